import type { ParsedArgs } from "./parse-args.ts";
import { hasFlag } from "./parse-args.ts";
import { sensitiveTalosType } from "./talos-sensitive.ts";
import type { ToolPolicy } from "./tool-policy.ts";
import { followFlag, judgeVerb, notReadOnly, otherCredentialsFlag } from "./tool-policy.ts";

// talosctl: -n/--nodes and -e/--endpoints only choose nodes of the cluster the given talosconfig
// already trusts, so they are allowed; --talosconfig/--context/--cluster would choose other credentials.
const TALOSCTL_ALLOWS =
  "version, get, services, service, logs, dmesg, etcd members|status|alarm list, health, containers, stats, memory, disks, processes, mounts, netstat, time";
/** Beyond Talos's own Sensitive list: any type whose name says it holds secrets, in case a newer Talos adds one. */
const SECRET_SOUNDING_TYPE = /secret|certificate|^osroot|root$/i;

function talosctlGet(args: ParsedArgs): string | undefined {
  const namespace = hasFlag(args, "--namespace");
  if (namespace?.value?.toLowerCase() === "secrets") {
    return "talosctl get --namespace secrets reads the cluster's keys and is never allowed";
  }
  const type = args.positionals[1];
  if (type === undefined) {
    return "talosctl get needs a resource type, for example talosctl get members";
  }
  for (const part of type.split(",")) {
    const sensitive = sensitiveTalosType(part);
    if (sensitive) {
      const name = sensitive.type.startsWith("MachineConfigs.") ? "machineconfig" : part;
      return `talosctl get is allowed but not for ${name}, which holds secrets (Talos marks ${sensitive.type} Sensitive)`;
    }
    const kind = part.split(".")[0] ?? part;
    if (SECRET_SOUNDING_TYPE.test(kind)) {
      return `talosctl get is allowed but not for ${part}, which holds secrets`;
    }
  }
  return followFlag(args, "get", ["-w", "--watch"]);
}

export const TALOSCTL: ToolPolicy = {
  allows: TALOSCTL_ALLOWS,
  valueFlags: new Set([
    "-n",
    "--nodes",
    "-e",
    "--endpoints",
    "--talosconfig",
    "--context",
    "--cluster",
    "--siderov1-keys-dir",
    "-o",
    "--output",
    "--namespace",
    "--tail",
    "--wait-timeout",
    "--control-plane-nodes",
    "--worker-nodes",
    "--init-node",
    "--k8s-endpoint",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, [
      "--talosconfig",
      "--context",
      "--cluster",
      "--siderov1-keys-dir",
    ]);
    if (credentials) {
      return credentials;
    }
    const [verb] = args.positionals;
    return judgeVerb(
      args,
      verb,
      {
        version: null,
        get: talosctlGet,
        services: null,
        service: (a) =>
          ["start", "stop", "restart"].includes(a.positionals[2] ?? "")
            ? `talosctl service ${a.positionals[1]} ${a.positionals[2]} changes the node: only "talosctl service <id>" is read-only`
            : undefined,
        logs: (a) => followFlag(a, "logs", ["-f", "--follow"]),
        dmesg: (a) => followFlag(a, "dmesg", ["-f", "--follow"]),
        etcd: (a) => {
          const sub = a.positionals[1];
          if (sub === "members" || sub === "status" || (sub === "alarm" && a.positionals[2] === "list")) {
            return undefined;
          }
          if (sub === "snapshot") {
            return "talosctl etcd snapshot copies etcd's data, which holds every Kubernetes Secret";
          }
          return `talosctl etcd ${[sub, sub === "alarm" ? a.positionals[2] : undefined].filter(Boolean).join(" ")} is not read-only: only etcd members, etcd status and etcd alarm list are`;
        },
        health: null,
        containers: null,
        stats: null,
        memory: null,
        disks: null,
        processes: null,
        mounts: null,
        netstat: null,
        time: null,
      },
      {
        read: "talosctl read can read any file on the node, including its keys",
        copy: "talosctl copy copies files off the node, including its keys",
        cp: "talosctl cp copies files off the node, including its keys",
        dashboard: "talosctl dashboard is interactive and never ends",
        support: "talosctl support collects a bundle that includes the machine configuration and its secrets",
        events: "talosctl events streams until stopped: use talosctl get or dmesg",
        kubeconfig: "talosctl kubeconfig fetches and writes admin credentials",
        config: "talosctl config reads or changes client credentials",
        pcap: "talosctl pcap captures network traffic, which may carry credentials",
        ...notReadOnly("talosctl", [
          "reset",
          "upgrade",
          "upgrade-k8s",
          "bootstrap",
          "apply-config",
          "apply",
          "edit",
          "patch",
          "wipe",
          "reboot",
          "shutdown",
          "rotate-ca",
          "gen",
          "image",
          "cluster",
          "inject",
          "meta",
          "restart",
          "rollback",
        ]),
      },
      TALOSCTL_ALLOWS,
    );
  },
};

import type { ParsedArgs } from "./parse-args.ts";
import { hasFlag } from "./parse-args.ts";
import type { ToolPolicy } from "./tool-policy.ts";
import { followFlag, judgeVerb, notReadOnly, otherCredentialsFlag } from "./tool-policy.ts";

const SECRETS_NEVER = "reading Kubernetes Secrets is never allowed";

// talosctl: -n/--nodes and -e/--endpoints only choose nodes of the cluster the given talosconfig
// already trusts, so they are allowed; --talosconfig/--context/--cluster would choose other credentials.
const TALOSCTL_ALLOWS =
  "version, get, services, service, logs, dmesg, etcd members|status|alarm list, health, containers, stats, memory, disks, processes, mounts, netstat, time";
const TALOS_SECRET_TYPES = /^(?:machineconfigs?|mc|mcs)$|secret|certificate|^osroot|root$/i;

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
    if (TALOS_SECRET_TYPES.test(part)) {
      return /^(?:machineconfigs?|mc|mcs)$/i.test(part)
        ? "talosctl get is allowed but not for machineconfig, which holds secrets"
        : `talosctl get is allowed but not for ${part}, which holds secrets`;
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

const KUBECONFIG_FLAGS = [
  "--kubeconfig",
  "--context",
  "--cluster",
  "-s",
  "--server",
  "--token",
  "--as",
  "--as-group",
  "--as-uid",
  "--user",
  "--username",
  "--password",
  "--client-certificate",
  "--client-key",
  "--certificate-authority",
  "--insecure-skip-tls-verify",
];
const KUBE_VALUE_FLAGS = KUBECONFIG_FLAGS.filter((flag) => flag !== "--insecure-skip-tls-verify");

function isSecretType(word: string): boolean {
  // `secrets`, `secret/x`, `secrets.v1.`, `Secret`, `pods,secrets`
  return word.split(",").some((part) => /^secrets?(?:\.|$)/i.test(part.split("/")[0] ?? ""));
}

function kubectlRead(args: ParsedArgs): string | undefined {
  const verb = args.positionals[0] ?? "";
  if (args.positionals.slice(1).some(isSecretType)) {
    return SECRETS_NEVER;
  }
  const raw = hasFlag(args, "--raw");
  if (raw?.value && /\/secrets(?:[/?]|$)/i.test(raw.value)) {
    return SECRETS_NEVER;
  }
  if (raw?.value?.includes("%")) {
    // The API server decodes the path, so `secret%73` would read Secrets past the check above.
    return "kubectl get --raw paths may not contain percent-encoding";
  }
  const file = hasFlag(args, "-f", "--filename", "-k", "--kustomize");
  if (file) {
    return `kubectl ${verb} ${file.flag} is not allowed: it names objects in local files, which may be Secrets`;
  }
  return followFlag(args, verb, ["-w", "--watch", "--watch-only"]);
}

const KUBECTL_ALLOWS =
  "get, describe, logs, events, top, version, api-resources, api-versions, explain, cluster-info, auth can-i|whoami, rollout status|history";

export const KUBECTL: ToolPolicy = {
  allows: KUBECTL_ALLOWS,
  valueFlags: new Set([
    ...KUBE_VALUE_FLAGS,
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-o",
    "--output",
    "--field-selector",
    "-c",
    "--container",
    "--tail",
    "--since",
    "--since-time",
    "--sort-by",
    "--template",
    "-L",
    "--label-columns",
    "--request-timeout",
    "-v",
    "--v",
    "--raw",
    "-f",
    "--filename",
    "-k",
    "--kustomize",
    "--chunk-size",
    "--subresource",
    "--limit-bytes",
    "--max-log-requests",
    "--for",
    "--types",
    "--cache-dir",
    "--log-file",
    "--profile",
    "--profile-output",
    "--revision",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, KUBECONFIG_FLAGS);
    if (credentials) {
      return credentials;
    }
    const writes = hasFlag(args, "--log-file", "--profile-output", "--cache-dir");
    if (writes) {
      return `${writes.flag} is not allowed: diagnostics write no files`;
    }
    const [verb] = args.positionals;
    const mutating = "is not read-only";
    return judgeVerb(
      args,
      verb,
      {
        get: kubectlRead,
        describe: kubectlRead,
        logs: (a) => followFlag(a, "logs", ["-f", "--follow"]),
        events: (a) => followFlag(a, "events", ["-w", "--watch"]),
        top: null,
        version: null,
        "api-resources": null,
        "api-versions": null,
        explain: null,
        "cluster-info": (a) =>
          a.positionals[1] === "dump"
            ? "kubectl cluster-info dump copies the whole cluster state and can write files: use get or describe"
            : undefined,
        auth: (a) =>
          ["can-i", "whoami"].includes(a.positionals[1] ?? "")
            ? undefined
            : `kubectl auth ${a.positionals[1] ?? ""} ${mutating}: only auth can-i and auth whoami are`,
        rollout: (a) =>
          ["status", "history"].includes(a.positionals[1] ?? "")
            ? undefined
            : `kubectl rollout ${a.positionals[1] ?? ""} ${mutating}: only rollout status and rollout history are`,
      },
      {
        exec: "kubectl exec runs commands inside a container, which is not read-only",
        cp: "kubectl cp copies files into or out of a container",
        "port-forward": "kubectl port-forward opens a tunnel into the cluster",
        proxy: "kubectl proxy opens a proxy to the API server that never ends",
        debug: "kubectl debug starts a debugging container, which is not read-only",
        attach: "kubectl attach attaches to a running container",
        config: "kubectl config reads or changes client credentials",
        wait: "kubectl wait blocks until a condition holds: use get or describe to look at it",
        kustomize: "kubectl kustomize renders local files, which may hold secrets",
        ...notReadOnly("kubectl", [
          "delete",
          "apply",
          "edit",
          "patch",
          "scale",
          "drain",
          "cordon",
          "uncordon",
          "label",
          "annotate",
          "create",
          "replace",
          "run",
          "expose",
          "set",
          "taint",
          "autoscale",
          "certificate",
        ]),
      },
      KUBECTL_ALLOWS,
    );
  },
};

const FLUX_ALLOWS = "check, get, tree, logs, events, stats, version, trace";

export const FLUX: ToolPolicy = {
  allows: FLUX_ALLOWS,
  valueFlags: new Set([
    ...KUBE_VALUE_FLAGS,
    "-n",
    "--namespace",
    "--level",
    "--kind",
    "--name",
    "--since",
    "--tail",
    "--status-selector",
    "--timeout",
    "--for",
    "--types",
    "--flux-namespace",
    "-o",
    "--output",
    "--label-selector",
    "-l",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, KUBECONFIG_FLAGS);
    if (credentials) {
      return credentials;
    }
    const [verb] = args.positionals;
    return judgeVerb(
      args,
      verb,
      {
        check: null,
        get: (a) => followFlag(a, "get", ["-w", "--watch"]),
        tree: null,
        logs: (a) => followFlag(a, "logs", ["-f", "--follow"]),
        events: (a) => followFlag(a, "events", ["-w", "--watch"]),
        stats: null,
        version: null,
        trace: null,
      },
      {
        reconcile:
          "flux reconcile is not read-only: it makes Flux act now (the loop does that, diagnostics only look)",
        ...notReadOnly("flux", [
          "suspend",
          "resume",
          "delete",
          "uninstall",
          "bootstrap",
          "install",
          "create",
          "push",
          "tag",
          "migrate",
        ]),
      },
      FLUX_ALLOWS,
    );
  },
};

export const CILIUM: ToolPolicy = {
  allows: "status, version",
  valueFlags: new Set([
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--wait-duration",
    "-o",
    "--output",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, ["--context", "--kubeconfig"]);
    if (credentials) {
      return credentials;
    }
    return judgeVerb(args, args.positionals[0], { status: null, version: null }, {}, "status, version");
  },
};

export const CLOUDFLARED: ToolPolicy = {
  allows: "tunnel list, tunnel info",
  valueFlags: new Set([
    "--origincert",
    "--cred-file",
    "--credentials-file",
    "--config",
    "--loglevel",
    "-o",
    "--output",
    "--token",
    "--token-file",
  ]),
  check(args) {
    const credentials = otherCredentialsFlag(args, [
      "--token",
      "--token-file",
      "--cred-file",
      "--credentials-file",
    ]);
    if (credentials) {
      return credentials;
    }
    const [group, sub] = args.positionals;
    if (group !== "tunnel") {
      return `cloudflared ${group ?? "without a command"} is not on the read-only list (tunnel list, tunnel info)`;
    }
    if (sub === "list" || sub === "info") {
      return undefined;
    }
    if (sub === "token") {
      return "cloudflared tunnel token prints the tunnel's secret token";
    }
    return `cloudflared tunnel ${sub ?? ""} is not read-only: only tunnel list and tunnel info are`;
  },
};

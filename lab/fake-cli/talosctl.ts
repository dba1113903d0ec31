import { existsSync, readFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { CliExit, type FlagSpec, flag, hasFlag, onlyFlags, type ParsedCli, parseCli } from "./args.ts";
import { bootstrap, dmesg, etcdMembers, kubeconfig, service } from "./talos-cluster-commands.ts";
import { NodeError, reach, settle, type Target, talosconfigPath, targetOf } from "./talos-connection.ts";
import {
  configContext,
  GEN_CONFIG_VALUE_FLAGS,
  genConfig,
  genSecrets,
  machineconfigPatch,
  validate,
} from "./talos-files.ts";
import type { FakeTalosMachine, FakeView } from "./world-view.ts";

/** The fake `talosctl` over the lab world: the commands the talos stage and its checks use. */

const SPEC: FlagSpec = {
  long: Object.fromEntries([
    ...[
      "talosconfig",
      "nodes",
      "endpoints",
      "context",
      "cluster",
      "output-file",
      ...GEN_CONFIG_VALUE_FLAGS,
      "patch",
      "mode",
      "config",
      "file",
      "namespace",
      "tail",
      "recover-from",
    ].map((name) => [name, true]),
    ...[
      "insecure",
      "force",
      "with-docs",
      "with-examples",
      "strict",
      "dry-run",
      "watch",
      "client",
      "short",
      "follow",
      "merge",
    ].map((name) => [name, false]),
  ]),
  short: {
    n: "nodes",
    e: "endpoints",
    o: "output",
    i: "insecure",
    t: "output-types",
    p: "patch",
    m: "mode",
    c: "config",
    f: "file",
    w: "watch",
  },
};

const GLOBAL = ["talosconfig", "nodes", "endpoints", "context", "cluster"];

export type Env = Readonly<Record<string, string | undefined>>;

/** Runs one talosctl invocation; `change` is the locked world update. */
export function talosctl(
  argv: readonly string[],
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
): string {
  const parsed = parseCli(argv, SPEC);
  const [verb, sub] = parsed.positionals;
  switch (verb) {
    case "gen":
      if (sub === "secrets") {
        change((view) => {
          view.talos.secretsGenerated++;
          view.store();
        });
        return genSecrets(parsed);
      }
      if (sub === "config") {
        return genConfig(parsed);
      }
      throw new CliExit(1, `Error: unknown command "${sub ?? ""}" for "talosctl gen"\n`);
    case "machineconfig":
      return machineconfigPatch(parsed);
    case "validate":
      return validate(parsed);
    case "config":
      return configContext(parsed, talosconfigPath(parsed, env));
    case "get":
      return onNodes(
        parsed,
        env,
        change,
        [...GLOBAL, "insecure", "output", "namespace", "watch"],
        "error getting resources",
        getResource,
      );
    case "apply-config":
      return onNodes(
        parsed,
        env,
        change,
        [...GLOBAL, "insecure", "file", "dry-run", "mode"],
        "error applying new configuration",
        applyConfig,
      );
    case "bootstrap":
      return onNodes(
        parsed,
        env,
        change,
        [...GLOBAL, "recover-from"],
        "error executing bootstrap",
        bootstrap,
      );
    case "service":
      return onNodes(parsed, env, change, GLOBAL, "error listing services", service);
    case "etcd":
      return onNodes(parsed, env, change, GLOBAL, "error getting members", etcdMembers);
    case "version":
      return versionCommand(parsed, env, change);
    case "dmesg":
      return onNodes(parsed, env, change, [...GLOBAL, "follow", "tail"], "error getting dmesg", dmesg);
    case "kubeconfig":
      return onNodes(
        parsed,
        env,
        change,
        [...GLOBAL, "force", "merge"],
        "error copying kubeconfig",
        kubeconfig,
      );
    default:
      throw new CliExit(1, `Error: unknown command "${verb ?? ""}" for "talosctl"\n`);
  }
}

type NodeCommand = (view: FakeView, machine: FakeTalosMachine, ip: string, parsed: ParsedCli) => string;

function onNodes(
  parsed: ParsedCli,
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
  allowed: readonly string[],
  doing: string,
  command: NodeCommand,
): string {
  onlyFlags(parsed, allowed);
  const target: Target = targetOf(parsed, env);
  // Failures are returned from the update, not thrown, so what the call changed (a bootstrap
  // counted, a rebooting node advanced) is written even when talosctl ends with an error.
  const result = change((view) => {
    const outputs: string[] = [];
    const errors: string[] = [];
    for (const ip of target.nodes) {
      try {
        const machine = reach(view, ip, target);
        outputs.push(command(view, machine, ip, parsed));
        settle(machine);
      } catch (error) {
        if (!(error instanceof NodeError)) {
          throw error;
        }
        errors.push(target.nodes.length === 1 ? error.message : `${ip}: ${error.message}`);
      }
    }
    view.store();
    return { stdout: outputs.join(""), errors };
  });
  const { errors } = result;
  if (errors.length > 0) {
    const text =
      errors.length === 1 && target.nodes.length === 1
        ? `${doing}: ${errors[0]}\n`
        : `${doing}: ${errors.length} error${errors.length === 1 ? "" : "s"} occurred:\n${errors.map((e) => `\t* ${e}\n`).join("")}\n`;
    throw new CliExit(1, text, result.stdout);
  }
  return result.stdout;
}

function getResource(_view: FakeView, machine: FakeTalosMachine, ip: string, parsed: ParsedCli): string {
  const type = (parsed.positionals[1] ?? "").toLowerCase();
  const output = flag(parsed, "output") ?? "table";
  if (!["machinestatus", "machinestatuses"].includes(type)) {
    if (type === "disks" || type === "disk") {
      return `NODE   NAMESPACE   TYPE   ID   VERSION   SIZE\n${disksOf(_view, machine)
        .map((disk) => `${ip}   runtime   Disk   ${disk.replace("/dev/", "")}   1   68 GB`)
        .join("\n")}\n`;
    }
    throw new NodeError(`rpc error: code = NotFound desc = resource "${type}" is not registered`);
  }
  const spec = { stage: machine.stage, status: { ready: machine.stage === "running", unmetConditions: [] } };
  const resource = {
    node: ip,
    metadata: {
      namespace: "runtime",
      type: "MachineStatuses.runtime.talos.dev",
      id: "machine",
      version: 3,
      phase: "running",
    },
    spec,
  };
  if (output === "jsonpath={.spec.stage}") {
    return `${machine.stage}\n`;
  }
  if (output === "json") {
    return `${JSON.stringify(resource, null, 4)}\n`;
  }
  if (output === "yaml") {
    return stringify(resource);
  }
  if (output !== "table") {
    throw new CliExit(1, `Error: output format "${output}" is not supported\n`);
  }
  return `NODE   NAMESPACE   TYPE            ID        VERSION   STAGE   READY\n${ip}   runtime   MachineStatus   machine   3   ${machine.stage}   ${spec.status.ready}\n`;
}

/** Disks as the VM's bus names them: scsi/sata/ide → /dev/sdX, virtio-blk → /dev/vdX. */
function disksOf(view: FakeView, machine: FakeTalosMachine): string[] {
  const config = view.world.proxmox.vms[String(machine.vmid)]?.config ?? {};
  const disks: string[] = [];
  let sd = 0;
  let vd = 0;
  for (const [key, value] of Object.entries(config).sort()) {
    if (!/^(scsi|sata|ide|virtio)\d+$/.test(key) || String(value).includes("media=cdrom")) {
      continue;
    }
    disks.push(
      key.startsWith("virtio")
        ? `/dev/vd${String.fromCharCode(97 + vd++)}`
        : `/dev/sd${String.fromCharCode(97 + sd++)}`,
    );
  }
  return disks;
}

interface MachineConfig {
  machine?: {
    type?: string;
    install?: { disk?: string; image?: string; grubUseUKICmdline?: boolean };
    network?: { hostname?: string; interfaces?: { addresses?: string[] }[] };
  };
  cluster?: { id?: string };
}

function applyConfig(view: FakeView, machine: FakeTalosMachine, _ip: string, parsed: ParsedCli): string {
  const file = flag(parsed, "file") ?? "";
  if (!existsSync(file)) {
    throw new CliExit(1, `open ${file}: no such file or directory\n`);
  }
  const text = readFileSync(file, "utf8");
  const config = parse(text) as MachineConfig;
  if (machine.stage === "maintenance") {
    const iso = Number(/^v\d+\.(\d+)/.exec(machine.isoTalosVersion ?? "")?.[1] ?? "99");
    if (config.machine?.install?.grubUseUKICmdline !== undefined && iso < 12) {
      throw new NodeError(
        "rpc error: code = InvalidArgument desc = configuration decode error: unknown keys found during decoding:\nmachine:\n    install:\n        grubUseUKICmdline: true",
      );
    }
    const disk = config.machine?.install?.disk ?? "";
    if (!disksOf(view, machine).includes(disk)) {
      throw new NodeError(
        `rpc error: code = InvalidArgument desc = configuration validation failed: 1 error occurred:\n\t* specified install disk does not exist: "${disk}"`,
      );
    }
  }
  if (hasFlag(parsed, "dry-run")) {
    return dryRun(machine.appliedConfig ?? "", text);
  }
  const wasConfigured = machine.stage !== "maintenance";
  machine.appliedConfig = text;
  machine.role = config.machine?.type === "controlplane" ? "controlplane" : "worker";
  machine.hostname = config.machine?.network?.hostname ?? machine.name;
  machine.clusterId = config.cluster?.id ?? "";
  machine.installedVersion =
    /:(v[\d.]+)$/.exec(config.machine?.install?.image ?? "")?.[1] ?? machine.isoTalosVersion ?? "";
  const address = config.machine?.network?.interfaces?.[0]?.addresses?.[0];
  if (!wasConfigured) {
    machine.ip = address?.split("/")[0] ?? machine.ip;
    machine.stage = "installing";
    return "";
  }
  return "Applied configuration without a reboot\n";
}

function dryRun(before: string, after: string): string {
  const old = before.split("\n");
  const next = after.split("\n");
  const diff = [
    ...old.filter((line) => !next.includes(line)).map((line) => `-${line}`),
    ...next.filter((line) => !old.includes(line)).map((line) => `+${line}`),
  ];
  const body = diff.length === 0 ? "No changes." : `--- a\n+++ b\n${diff.join("\n")}`;
  return `Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\n\nConfig diff:\n\n${body}\n`;
}

function versionCommand(parsed: ParsedCli, env: Env, change: <T>(body: (view: FakeView) => T) => T): string {
  const client = change((view) => view.talos.clientVersion);
  const head = `Client:\n\tTag:         ${client}\n\tSHA:         5f1c0b84\n\tBuilt:       \n\tGo version:  go1.24.11\n\tOS/Arch:     linux/amd64\n`;
  if (hasFlag(parsed, "client")) {
    return head;
  }
  const server = onNodes(
    parsed,
    env,
    change,
    [...GLOBAL, "insecure", "short"],
    "error getting version",
    (_view, machine, ip) => {
      const tag =
        machine.stage === "maintenance" ? (machine.isoTalosVersion ?? "") : (machine.installedVersion ?? "");
      return `\tNODE:        ${ip}\n\tTag:         ${tag}\n\tSHA:         5f1c0b84\n\tBuilt:       \n\tGo version:  go1.24.11\n\tOS/Arch:     linux/amd64\n\tEnabled:     RBAC\n`;
    },
  );
  return `${head}Server:\n${server}`;
}

import { stringify } from "yaml";
import {
  CliExit,
  type CliOutput,
  type CliResult,
  type FlagSpec,
  flag,
  hasFlag,
  onlyFlags,
  type ParsedCli,
  parseCli,
  streamsOf,
} from "./args.ts";
import { applyConfig } from "./talos-apply.ts";
import { bootstrap, dmesg, etcdMembers, kubeconfig, service } from "./talos-cluster-commands.ts";
import { NodeError, reach, settle, type Target, talosconfigPath, targetOf } from "./talos-connection.ts";
import { disksOf, disksTable, tabwrite } from "./talos-disks.ts";
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
): CliResult {
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
      return validate(
        parsed,
        change((view) => view.talos.clientVersion),
      );
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

type NodeCommand = (view: FakeView, machine: FakeTalosMachine, ip: string, parsed: ParsedCli) => CliResult;

function onNodes(
  parsed: ParsedCli,
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
  allowed: readonly string[],
  doing: string,
  command: NodeCommand,
): CliOutput {
  onlyFlags(parsed, allowed);
  const target: Target = targetOf(parsed, env);
  // Failures are returned from the update, not thrown, so what the call changed (a bootstrap
  // counted, a rebooting node advanced) is written even when talosctl ends with an error.
  const result = change((view) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const errors: string[] = [];
    for (const ip of target.nodes) {
      try {
        const machine = reach(view, ip, target);
        const output = streamsOf(command(view, machine, ip, parsed));
        stdout.push(output.stdout);
        stderr.push(output.stderr);
        settle(machine);
      } catch (error) {
        if (!(error instanceof NodeError)) {
          throw error;
        }
        errors.push(target.nodes.length === 1 ? error.message : `${ip}: ${error.message}`);
      }
    }
    view.store();
    return { stdout: stdout.join(""), stderr: stderr.join(""), errors };
  });
  const { errors } = result;
  if (errors.length > 0) {
    const text =
      errors.length === 1 && target.nodes.length === 1
        ? `${doing}: ${errors[0]}\n`
        : `${doing}: ${errors.length} error${errors.length === 1 ? "" : "s"} occurred:\n${errors.map((e) => `\t* ${e}\n`).join("")}\n`;
    throw new CliExit(1, `${result.stderr}${text}`, result.stdout);
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

function getResource(view: FakeView, machine: FakeTalosMachine, ip: string, parsed: ParsedCli): string {
  const type = (parsed.positionals[1] ?? "").toLowerCase();
  const output = flag(parsed, "output") ?? "table";
  if (!["machinestatus", "machinestatuses"].includes(type)) {
    if (type === "disks" || type === "disk") {
      return disksTable(ip, disksOf(view, machine));
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
  return tabwrite([
    ["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "STAGE", "READY"],
    [ip, "runtime", "MachineStatus", "machine", "3", machine.stage, String(spec.status.ready)],
  ]);
}

function versionCommand(
  parsed: ParsedCli,
  env: Env,
  change: <T>(body: (view: FakeView) => T) => T,
): CliResult {
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
  return `${head}Server:\n${server.stdout}`;
}

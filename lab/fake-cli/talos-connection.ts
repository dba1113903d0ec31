import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CliExit, flag, flagList, hasFlag, type ParsedCli } from "./args.ts";
import type { FakeTalosMachine, FakeView } from "./world-view.ts";

/**
 * How the talosctl fake reaches a node, with the errors the real one prints (research §3, §5):
 * a stopped VM or unknown address times out, a rebooting node refuses, a maintenance node only
 * speaks `--insecure`, a configured node only mTLS with a talosconfig of its own PKI.
 */

export const unavailable = (detail: string) =>
  `rpc error: code = Unavailable desc = connection error: desc = "${detail}"`;
export const timeout = (ip: string) =>
  unavailable(`transport: Error while dialing: dial tcp ${ip}:50000: i/o timeout`);
export const refused = (ip: string) =>
  unavailable(`transport: Error while dialing: dial tcp ${ip}:50000: connect: connection refused`);
export const UNKNOWN_AUTHORITY = unavailable(
  "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority",
);
export const CERTIFICATE_REQUIRED = unavailable(
  "error reading server preface: remote error: tls: certificate required",
);

/** A failure talking to one node: talosctl prefixes it with what it was doing. */
export class NodeError extends Error {
  override name = "NodeError";
}

interface TalosconfigContext {
  readonly clusterId: string;
  readonly endpoints: string[];
  readonly nodes: string[];
}

export interface Target {
  readonly insecure: boolean;
  readonly context: TalosconfigContext | undefined;
  readonly nodes: string[];
  readonly endpoints: string[];
}

export function talosconfigPath(
  parsed: ParsedCli,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return (
    flag(parsed, "talosconfig") ?? env["TALOSCONFIG"] ?? join(env["HOME"] ?? homedir(), ".talos", "config")
  );
}

function readContext(path: string, name: string | undefined): TalosconfigContext {
  if (!existsSync(path)) {
    throw new CliExit(1, `failed to open config file "${path}": open ${path}: no such file or directory\n`);
  }
  const config = parse(readFileSync(path, "utf8")) as {
    context: string;
    contexts: Record<string, { ca?: string; endpoints?: string[]; nodes?: string[] }>;
  };
  const context = config.contexts[name ?? config.context];
  if (!context) {
    throw new CliExit(1, `context "${name ?? config.context}" is not defined\n`);
  }
  const ca = Buffer.from(context.ca ?? "", "base64").toString();
  return {
    clusterId: ca.replace(/^os-ca:/, ""),
    endpoints: context.endpoints ?? [],
    nodes: context.nodes ?? [],
  };
}

export function targetOf(parsed: ParsedCli, env: Readonly<Record<string, string | undefined>>): Target {
  const insecure = hasFlag(parsed, "insecure");
  const context = insecure ? undefined : readContext(talosconfigPath(parsed, env), flag(parsed, "context"));
  const nodes = flagList(parsed, "nodes");
  const endpoints = flagList(parsed, "endpoints");
  const chosenNodes = nodes.length > 0 ? nodes : (context?.nodes ?? []);
  const chosenEndpoints = endpoints.length > 0 ? endpoints : (context?.endpoints ?? []);
  if (insecure && chosenNodes.length === 0) {
    throw new CliExit(1, "error constructing client: failed to determine endpoints\n");
  }
  if (!insecure && chosenEndpoints.length === 0) {
    throw new CliExit(1, "error constructing client: failed to determine endpoints\n");
  }
  return {
    insecure,
    context,
    nodes: chosenNodes.length > 0 ? chosenNodes : chosenEndpoints,
    endpoints: chosenEndpoints,
  };
}

function machineAt(view: FakeView, ip: string): FakeTalosMachine | undefined {
  return Object.values(view.talos.machines).find((machine) => machine.ip === ip);
}

function vipsOf(view: FakeView): string[] {
  if (view.talos.etcd === null) {
    return [];
  }
  return Object.values(view.talos.machines).flatMap((machine) =>
    [...(machine.appliedConfig ?? "").matchAll(/vip:\s*\n\s*ip:\s*(\S+)/g)].map((match) => match[1] ?? ""),
  );
}

/**
 * The machine at `ip` as this call sees it, advancing a rebooting machine one step, or a
 * `NodeError` with the transport error the real talosctl would show.
 */
export function reach(view: FakeView, ip: string, target: Target): FakeTalosMachine {
  const endpoint = target.insecure ? ip : (target.endpoints[0] ?? ip);
  if (!target.insecure && endpoint !== ip && !vipsOf(view).includes(endpoint)) {
    const proxy = machineAt(view, endpoint);
    if (!proxy) {
      throw new NodeError(endpoint === "127.0.0.1" ? refused(endpoint) : timeout(endpoint));
    }
  }
  const machine = machineAt(view, ip);
  const vm = machine ? view.world.proxmox.vms[String(machine.vmid)] : undefined;
  if (!machine || vm?.status !== "running" || view.faults.talosUnreachable.includes(ip)) {
    throw new NodeError(timeout(ip));
  }
  if (view.faults.talosConnectionRefused.includes(ip)) {
    throw new NodeError(refused(ip));
  }
  if (machine.stage === "installing" && machine.installError === undefined) {
    machine.stage = "booting"; // the installer reboots the VM: its API is down once
    throw new NodeError(refused(ip));
  }
  if (target.insecure) {
    // A node whose installer failed still serves the maintenance API, without the cluster's PKI.
    if (machine.stage !== "maintenance" && machine.installError === undefined) {
      throw new NodeError(CERTIFICATE_REQUIRED);
    }
    return machine;
  }
  if (
    machine.stage === "maintenance" ||
    machine.installError !== undefined ||
    machine.clusterId !== target.context?.clusterId
  ) {
    throw new NodeError(UNKNOWN_AUTHORITY);
  }
  return machine;
}

/** After a successful call, a booting machine finishes booting. */
export function settle(machine: FakeTalosMachine): void {
  if (machine.stage === "booting") {
    machine.stage = "running";
  }
}

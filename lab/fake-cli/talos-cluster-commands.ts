import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stringify } from "yaml";
import { CliExit, hasFlag, type ParsedCli } from "./args.ts";
import { NodeError } from "./talos-connection.ts";
import { parseDocuments } from "./talos-machinery.ts";
import type { FakeTalosMachine, FakeView } from "./world-view.ts";

/** The fake talosctl's etcd and cluster commands: bootstrap, service, etcd members, dmesg, kubeconfig. */

export function bootstrap(view: FakeView, machine: FakeTalosMachine): string {
  view.talos.bootstrapCalls++;
  if (machine.role !== "controlplane") {
    throw new NodeError(
      "rpc error: code = FailedPrecondition desc = bootstrap is not available on worker nodes",
    );
  }
  if (view.talos.etcd !== null) {
    throw new NodeError("rpc error: code = AlreadyExists desc = etcd data directory is not empty");
  }
  view.talos.etcd = { clusterId: machine.clusterId ?? "", bootstrapNode: machine.ip ?? "" };
  return "";
}

const etcdRunning = (view: FakeView, machine: FakeTalosMachine) =>
  view.talos.etcd !== null && machine.role === "controlplane" && machine.stage === "running";

export function service(view: FakeView, machine: FakeTalosMachine, ip: string, parsed: ParsedCli): string {
  const id = parsed.positionals[1] ?? "";
  let state = "Running";
  let health = "OK";
  let event = "[Running]: Health check successful";
  if (id === "etcd") {
    if (machine.role !== "controlplane") {
      throw new NodeError(`rpc error: code = NotFound desc = service "etcd" not found`);
    }
    const restarting = view.faults.etcdPreparingOnce.includes(ip);
    view.faults.etcdPreparingOnce = view.faults.etcdPreparingOnce.filter((other) => other !== ip);
    if (!etcdRunning(view, machine) || restarting) {
      [state, health, event] = ["Preparing", "?", "[Preparing]: Running pre state"];
    }
  } else if (id !== "kubelet" && id !== "apid" && id !== "trustd" && id !== "containerd" && id !== "cri") {
    throw new NodeError(`rpc error: code = NotFound desc = service "${id}" not found`);
  } else if (machine.stage !== "running") {
    [state, health, event] = ["Waiting", "?", '[Waiting]: Waiting for service "cri" to be "up"'];
  }
  return `NODE     ${ip}\nID       ${id}\nSTATE    ${state}\nHEALTH   ${health}\nEVENTS   ${event} (12s ago)\n`;
}

export function etcdMembers(
  view: FakeView,
  machine: FakeTalosMachine,
  ip: string,
  parsed: ParsedCli,
): string {
  if (parsed.positionals[1] !== "members") {
    throw new CliExit(1, `Error: unknown command "${parsed.positionals[1] ?? ""}" for "talosctl etcd"\n`);
  }
  if (!etcdRunning(view, machine)) {
    throw new NodeError("rpc error: code = Unavailable desc = etcd is not running on this node");
  }
  const members = Object.values(view.talos.machines).filter((other) => etcdRunning(view, other));
  const rows = members.map((member) => {
    const id = createHash("sha256").update(member.name).digest("hex").slice(0, 16);
    return `${ip}   ${id}   ${member.hostname ?? member.name}   https://${member.ip}:2380   https://${member.ip}:2379   false`;
  });
  return `NODE   ID   HOSTNAME   PEER URLS   CLIENT URLS   LEARNER\n${rows.join("\n")}\n`;
}

export function dmesg(view: FakeView, machine: FakeTalosMachine, ip: string): string {
  const lines = [`${ip}: kern: info: [talos] machine stage ${machine.stage}`];
  if (machine.installError !== undefined) {
    lines.push(`${ip}: user: warning: [talos] install failed: ${machine.installError}`);
  }
  if (machine.role === "controlplane" && view.talos.etcd === null && machine.stage === "running") {
    lines.push(
      `${ip}: user: warning: [talos] etcd is waiting to join the cluster, if this node is the first node in the cluster, please run \`talosctl bootstrap\` against one of the following IPs:`,
      `${ip}: user: warning: [talos] [${machine.ip}]`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function kubeconfig(
  view: FakeView,
  machine: FakeTalosMachine,
  _ip: string,
  parsed: ParsedCli,
): string {
  const path = parsed.positionals[1] ?? ".";
  if (view.talos.etcd === null) {
    throw new NodeError(
      "rpc error: code = Unavailable desc = kube-apiserver is not running: etcd is not bootstrapped",
    );
  }
  if (existsSync(path) && !hasFlag(parsed, "force") && !hasFlag(parsed, "merge")) {
    throw new CliExit(
      1,
      `error copying kubeconfig: kubeconfig file already exists, use --force to overwrite: ${path}\n`,
    );
  }
  const config = (parseDocuments(machine.appliedConfig ?? "").find((doc) => doc["kind"] === undefined) ??
    {}) as {
    cluster?: { clusterName?: string; controlPlane?: { endpoint?: string } };
  };
  const name = config.cluster?.clusterName ?? "talos";
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name,
          cluster: {
            server: config.cluster?.controlPlane?.endpoint ?? "",
            "certificate-authority-data": b64(`k8s-ca:${machine.clusterId}`),
          },
        },
      ],
      users: [
        {
          name: `admin@${name}`,
          user: {
            "client-certificate-data": b64(`admin:${machine.clusterId}`),
            "client-key-data": b64(`admin-key:${machine.clusterId}`),
          },
        },
      ],
      contexts: [
        { name: `admin@${name}`, context: { cluster: name, namespace: "default", user: `admin@${name}` } },
      ],
      "current-context": `admin@${name}`,
    }),
  );
  return "";
}

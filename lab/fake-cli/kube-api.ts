import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CliExit, flag, type ParsedCli } from "./args.ts";
import type { FakeView } from "./world-view.ts";

/**
 * The Kubernetes API as the kubectl and flux fakes see it: up once etcd is bootstrapped, at the
 * endpoint the machine configs name, trusted only with a kubeconfig from the same PKI. Nodes are
 * the running Talos machines, `Ready=False` until a CNI DaemonSet has been applied.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface ApiConnection {
  readonly server: string;
  readonly host: string;
}

/** Checks the kubeconfig against the world; `style` picks kubectl's or flux's way of saying no. */
export function connect(
  view: FakeView,
  parsed: ParsedCli,
  env: Env,
  style: "kubectl" | "flux",
): ApiConnection {
  const path =
    flag(parsed, "kubeconfig") ?? env["KUBECONFIG"] ?? join(env["HOME"] ?? homedir(), ".kube", "config");
  if (!existsSync(path)) {
    throw new CliExit(
      1,
      style === "kubectl"
        ? "The connection to the server localhost:8080 was refused - did you specify the right host or port?\n"
        : `✗ stat ${path}: no such file or directory\n`,
    );
  }
  const config = parse(readFileSync(path, "utf8")) as {
    clusters?: { cluster: { server: string; "certificate-authority-data"?: string } }[];
  };
  const cluster = config.clusters?.[0]?.cluster;
  const server = cluster?.server ?? "";
  const host = /^https:\/\/([^/]+)/.exec(server)?.[1] ?? server;
  const ca = Buffer.from(cluster?.["certificate-authority-data"] ?? "", "base64").toString();
  const fail = (detail: string): never => {
    throw new CliExit(
      1,
      style === "kubectl"
        ? `${detail}\n`
        : `✗ Get "${server}/api?timeout=32s": ${detail.replace(/^Unable to connect to the server: /, "")}\n`,
    );
  };
  if (view.talos.etcd === null) {
    fail(
      style === "kubectl"
        ? `The connection to the server ${host} was refused - did you specify the right host or port?`
        : `dial tcp ${host}: connect: connection refused`,
    );
  }
  if (ca !== `k8s-ca:${view.talos.etcd?.clusterId}`) {
    fail(
      "Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority",
    );
  }
  return { server, host };
}

export interface KubeNode {
  readonly name: string;
  readonly ip: string;
  readonly role: string;
  readonly ready: boolean;
  readonly version: string;
  readonly talosVersion: string;
}

export function cniInstalled(view: FakeView): boolean {
  return Object.values(view.kubernetes.objects).some(
    (object) =>
      object.kind === "DaemonSet" &&
      object.namespace === "kube-system" &&
      /cilium|flannel|calico/.test(object.name),
  );
}

export function nodesOf(view: FakeView): KubeNode[] {
  const ready = cniInstalled(view);
  return Object.values(view.talos.machines)
    .filter((machine) => machine.stage === "running" && machine.clusterId === view.talos.etcd?.clusterId)
    .map((machine) => ({
      name: machine.hostname ?? machine.name,
      ip: machine.ip ?? "",
      role: machine.role === "controlplane" ? "control-plane" : "<none>",
      ready,
      version: /kubelet:(v[\d.]+)/.exec(machine.appliedConfig ?? "")?.[1] ?? "v1.35.2",
      talosVersion: machine.installedVersion ?? "",
    }));
}

/** Flux objects exist once Flux has synced the repository; each is Ready unless a fault says why not. */
export function fluxObjects(view: FakeView, kind: "Kustomization" | "HelmRelease") {
  const { flux, git } = view.kubernetes;
  if (!flux.installed) {
    return [];
  }
  const refs = kind === "Kustomization" ? git.kustomizations : git.helmReleases;
  const revision = `${flux.branch}@sha1:1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e`;
  return refs.map((ref) => {
    const fault = view.faults.fluxNotReady[`${kind} ${ref.namespace}/${ref.name}`];
    const message =
      fault ??
      (kind === "Kustomization"
        ? `Applied revision: ${revision}`
        : `Helm install succeeded for release ${ref.namespace}/${ref.name}.v1 with chart ${ref.name}@1.0.0`);
    return {
      ...ref,
      revision: kind === "Kustomization" ? revision : "1.0.0",
      ready: fault === undefined,
      message,
    };
  });
}

export function helmReleaseReady(view: FakeView, namespace: string, name: string): boolean {
  return fluxObjects(view, "HelmRelease").some(
    (hr) => hr.namespace === namespace && hr.name === name && hr.ready,
  );
}

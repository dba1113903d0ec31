import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { CliExit, flag, type ParsedCli } from "./args.ts";
import { evaluateFluxTree, type FluxObjectState, type FluxTreeState } from "./flux-tree-eval.ts";
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

/**
 * Flux's view of the synced artifact (flux-tree-eval.ts), empty before bootstrap or before the
 * first successful fetch. Evaluated per call: the artifact changes only when a fetch moves it.
 */
export function fluxTree(view: FakeView): FluxTreeState {
  const { flux } = view.kubernetes;
  if (!flux.installed || flux.revision === "" || flux.artifactDir === "") {
    return { objects: [], applied: [], releases: [] };
  }
  const input = {
    root: flux.artifactDir,
    path: flux.path,
    revision: flux.revision,
    notReady: view.faults.fluxNotReady,
    crds: Object.values(view.kubernetes.objects)
      .filter((object) => object.kind === "CustomResourceDefinition")
      .map((object) => object.name),
  };
  // The artifact folder changes only when a fetch moves the revision: the long-lived server
  // evaluates a tree once, not on every call.
  const key = JSON.stringify(input);
  if (lastTree?.key !== key) {
    lastTree = { key, state: evaluateFluxTree(input) };
  }
  return lastTree.state;
}

let lastTree: { key: string; state: FluxTreeState } | undefined;

export function fluxObjects(view: FakeView, kind: "Kustomization" | "HelmRelease"): FluxObjectState[] {
  return fluxTree(view).objects.filter((object) => object.kind === kind);
}

export function helmReleaseReady(view: FakeView, namespace: string, name: string): boolean {
  return fluxObjects(view, "HelmRelease").some(
    (hr) => hr.namespace === namespace && hr.name === name && hr.ready,
  );
}

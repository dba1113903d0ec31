import { MAINTENANCE_APPLY } from "../stages/talos.ts";
import { kubernetesSupport, newestSupportedKubernetes } from "../stages/talos-kubernetes.ts";
import { parseDisksTable } from "../tools/index.ts";
import { clusterDocument, setScalar, valueAt } from "./cluster-yaml.ts";
import { definePlaybook, firstMatch, type PlaybookChange, type PlaybookEvidence } from "./types.ts";

/** `unknown keys found during decoding: machine.install.grubUseUKICmdline` (cozystack/talm#132). */
const UNKNOWN_KEYS = /\bunknown keys found during decoding\b/;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;

interface NodeEntry {
  index: number;
  name: string;
  ip: string;
  role: string;
  vmid: number | undefined;
  installDisk: unknown;
}

function nodesOf(clusterText: string): NodeEntry[] {
  const nodes = clusterDocument(clusterText).toJS()?.nodes;
  if (!Array.isArray(nodes)) {
    return [];
  }
  return nodes.map((node: Record<string, unknown>, index: number) => ({
    index,
    name: String(node["name"] ?? ""),
    ip: String(node["ip"] ?? ""),
    role: String(node["role"] ?? ""),
    vmid: typeof node["vmid"] === "number" ? node["vmid"] : undefined,
    installDisk: node["installDisk"],
  }));
}

/** The node the log talks about (its IP appears in the error lines or tail), else the first control plane. */
function nodeInQuestion(clusterText: string, evidence: PlaybookEvidence): NodeEntry | undefined {
  const nodes = nodesOf(clusterText);
  const mentioned = new Set(
    [...evidence.lines.join("\n").matchAll(IPV4), ...evidence.logTail.matchAll(IPV4)].map((m) => m[0]),
  );
  return (
    nodes.find((node) => mentioned.has(node.ip)) ??
    nodes.find((node) => node.role === "controlplane") ??
    nodes[0]
  );
}

/** The installable disk paths in `talosctl get disks` table output (loop, CD-ROM, read-only left out). */
export function installableDisks(table: string): string[] {
  return parseDisksTable(table).map((disk) => disk.path);
}

/** `talos-v1.9.5-<hash>.iso`, the name the vms stage gives the ISO it downloads. */
const ISO_VERSION = /talos-(v\d+\.\d+\.\d+)-[0-9a-f]+\.iso/;

export const talosContractPlaybook = definePlaybook<
  { evidence: PlaybookEvidence },
  { isoVersion: string | undefined; node: string }
>({
  id: "talos-contract-mismatch",
  description:
    "the machine config was generated for a newer Talos than the ISO the VM booted (unknown keys): make talos.version match the ISO",
  matches: (evidence) => (firstMatch(evidence, UNKNOWN_KEYS) ? { evidence } : undefined),
  async gatherFacts(ctx, { evidence }) {
    const node = nodeInQuestion(ctx.clusterText, evidence);
    const doc = clusterDocument(ctx.clusterText);
    const pveNode = String(
      valueAt(doc, ["nodes", node?.index ?? 0, "pveNode"]) ?? valueAt(doc, ["proxmox", "node"]),
    );
    if (node?.vmid === undefined) {
      return { isoVersion: undefined, node: node?.name ?? "?" };
    }
    const config = await ctx.facts.vmConfig(ctx.clusterText, pveNode, node.vmid);
    const cdrom = Object.values(config ?? {}).find(
      (value) => typeof value === "string" && ISO_VERSION.test(value),
    );
    return {
      isoVersion: typeof cdrom === "string" ? ISO_VERSION.exec(cdrom)?.[1] : undefined,
      node: node.name,
    };
  },
  change(clusterText, { isoVersion, node }): PlaybookChange {
    const doc = clusterDocument(clusterText);
    const current = valueAt(doc, ["talos", "version"]);
    if (isoVersion === undefined) {
      return { kind: "no_change", reason: `could not tell which Talos ISO node ${node} booted` };
    }
    if (current === isoVersion) {
      return {
        kind: "no_change",
        reason: `talos.version is already ${isoVersion}, the ISO node ${node} booted`,
      };
    }
    if (valueAt(doc, ["talos", "isoUrl"]) !== null && valueAt(doc, ["talos", "isoUrl"]) !== undefined) {
      return { kind: "no_change", reason: "talos.isoUrl is set by hand; a human must change both together" };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["talos", "version"], isoVersion),
      summary: `talos.version: the config contract ${String(current)} is newer than the ISO node ${node} booted; use ${isoVersion}, the ISO's version`,
    };
  },
});

/**
 * A Talos node's refusal of the config's Kubernetes images: `version of Kubernetes 1.36.0 is too
 * new to be used with Talos 1.12.4` (siderolabs/talos@v1.12.4
 * pkg/machinery/compatibility/kubernetes_version.go:83-90, raised at apply-config by
 * v1alpha1_validation.go:1000-1028).
 */
const KUBERNETES_UNSUPPORTED = /version of Kubernetes (\S+) is too (?:new|old) to be used with Talos (\S+)/;

export const kubernetesUnsupportedPlaybook = definePlaybook<
  { kubernetes: string; talos: string; evidence: PlaybookEvidence },
  { versions: { talos: string; source: string }[] }
>({
  id: "talos-kubernetes-unsupported",
  description:
    "the node's Talos refuses kubernetes.version (too new or too old): use the newest Kubernetes that Talos supports",
  matches(evidence) {
    const found = firstMatch(evidence, KUBERNETES_UNSUPPORTED);
    return found ? { kubernetes: found[1] ?? "", talos: found[2] ?? "", evidence } : undefined;
  },
  async gatherFacts(ctx, match) {
    // The Talos the node runs now (it said so, and its ISO says so) and the one it installs
    // (talos.version, the installer image) must both accept the version.
    const versions = [{ talos: match.talos, source: "the node's refusal" }];
    const doc = clusterDocument(ctx.clusterText);
    const installed = valueAt(doc, ["talos", "version"]);
    if (typeof installed === "string") {
      versions.push({ talos: installed, source: "talos.version" });
    }
    const node = nodeInQuestion(ctx.clusterText, match.evidence);
    if (node?.vmid !== undefined) {
      const pveNode = String(
        valueAt(doc, ["nodes", node.index, "pveNode"]) ?? valueAt(doc, ["proxmox", "node"]),
      );
      const config = await ctx.facts.vmConfig(ctx.clusterText, pveNode, node.vmid);
      const cdrom = Object.values(config ?? {}).find(
        (value) => typeof value === "string" && ISO_VERSION.test(value),
      );
      const iso = typeof cdrom === "string" ? ISO_VERSION.exec(cdrom)?.[1] : undefined;
      if (iso !== undefined) {
        versions.push({ talos: iso, source: `the ISO VM ${node.vmid} (${node.name}) booted` });
      }
    }
    return { versions };
  },
  change(clusterText, { versions }, match): PlaybookChange {
    if (!match.evidence.logTail.includes(MAINTENANCE_APPLY)) {
      // A running cluster's Kubernetes moves with `talosctl upgrade-k8s`, which refuses an
      // unsupported upgrade path and checks every node's Talos (siderolabs/talos@v1.12.4
      // pkg/cluster/kubernetes/talos_managed.go:84-85, compat.go:18-50), not by a new config.
      return {
        kind: "no_change",
        reason: `Talos ${match.talos} refuses Kubernetes ${match.kubernetes} on a configured node: a running cluster's Kubernetes is upgraded with talosctl upgrade-k8s; a human must choose the version`,
      };
    }
    const path = ["kubernetes", "version"];
    const current = valueAt(clusterDocument(clusterText), path);
    const newest = newestSupportedKubernetes(versions.map((version) => version.talos));
    const named = versions.map((version) => `${version.talos} (${version.source})`).join(", ");
    if (newest === undefined) {
      return {
        kind: "no_change",
        reason: `no Kubernetes version is supported by every Talos in play: ${named}; a human must align the Talos versions first`,
      };
    }
    if (typeof current !== "string") {
      return { kind: "no_change", reason: "kubernetes.version is not set in the cluster file" };
    }
    if (versions.every((version) => kubernetesSupport(current, version.talos) === "supported")) {
      return {
        kind: "no_change",
        reason: `kubernetes.version ${current} is already supported by ${named}; the refusal of ${match.kubernetes} came from elsewhere`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, path, newest),
      summary: `kubernetes.version: Talos ${match.talos} refuses Kubernetes ${match.kubernetes}; use ${newest}, the newest Kubernetes supported by ${named}`,
    };
  },
});

import { clusterDocument, setScalar, valueAt } from "../cluster-yaml.ts";
import type { FactKind, FactSlot, FactStore, TalosNodeFact } from "./types.ts";

export interface ClusterFileStore extends FactStore {
  readonly kind: "cluster-file";
  readonly path: string;
  readonly text: string;
}

export function isClusterFileStore(store: FactStore): store is ClusterFileStore {
  return store.kind === "cluster-file";
}

/** The built-in pack's cluster file (config/clusters/<name>.yaml): every fact at a known YAML path. */
export function clusterFileStore(path: string, text: string): ClusterFileStore {
  const doc = clusterDocument(text);
  const slot = (at: readonly (string | number)[], content?: "images" | "iso"): FactSlot | undefined => {
    const current = valueAt(doc, at);
    return typeof current === "string" || current === undefined
      ? {
          file: path,
          label: at.join("."),
          current: current ?? "",
          content,
          readOnly: undefined,
          edit: (value) => setScalar(text, at, value),
        }
      : undefined;
  };
  const listed = (doc.toJS() as { nodes?: unknown } | null)?.nodes;
  const nodeCount = Array.isArray(listed) ? listed.length : 0;
  const fields: Record<FactKind, { at: (string | number)[]; content?: "images" | "iso" }[]> = {
    storage: [
      { at: ["proxmox", "storage"], content: "images" },
      { at: ["proxmox", "isoStorage"], content: "iso" },
    ],
    bridge: [{ at: ["proxmox", "bridge"] }],
    node: [
      { at: ["proxmox", "node"] },
      ...Array.from({ length: nodeCount }, (_, index) => ({ at: ["nodes", index, "pveNode"] })),
    ],
    "install-disk": [],
  };
  return {
    kind: "cluster-file",
    name: "the cluster file",
    files: [path],
    path,
    text,
    proxmox: () => text,
    proxmoxNode() {
      const node = valueAt(doc, ["proxmox", "node"]);
      return typeof node === "string" ? node : undefined;
    },
    slotsHolding(kind, value) {
      return fields[kind]
        .map((field) => slot(field.at, field.content))
        .filter((found): found is FactSlot => found !== undefined && found.current === value);
    },
    talosNodes() {
      const nodes = (doc.toJS() as { nodes?: unknown })?.nodes;
      if (!Array.isArray(nodes)) {
        return [];
      }
      return nodes.map((node: Record<string, unknown>, index): TalosNodeFact => {
        const at =
          node["installDisk"] !== undefined ? ["nodes", index, "installDisk"] : ["talos", "installDisk"];
        return {
          name: String(node["name"] ?? ""),
          ip: String(node["ip"] ?? ""),
          controlPlane: node["role"] === "controlplane",
          installDisk: slot(at) ?? { why: `${at.join(".")} is a disk selector; a human wrote it on purpose` },
        };
      });
    },
  };
}

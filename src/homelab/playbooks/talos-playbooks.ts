import { clusterDocument, setScalar, valueAt } from "./cluster-yaml.ts";
import { definePlaybook, firstMatch, type PlaybookChange, type PlaybookEvidence } from "./types.ts";

/** talosctl apply-config: `* specified install disk does not exist: "/dev/mmcblk1"` (siderolabs/talos#5469). */
const INSTALL_DISK_MISSING = /specified install disk does not exist: "([^"]+)"/;
/** The installer's `no system disk found` (siderolabs/talos#11097). */
const NO_SYSTEM_DISK = /\bno system disk found\b/;
/** `unknown keys found during decoding: machine.install.grubUseUKICmdline` (cozystack/talm#132). */
const UNKNOWN_KEYS = /\bunknown keys found during decoding\b/;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
/** Block devices that are never an install target. */
const NOT_A_DISK = /^(?:loop|sr|ram|zram|nbd|dm-|md)\d*/;

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

/**
 * Disk ids from `talosctl get disks` table output (Talos ≥ 1.8):
 * `NODE NAMESPACE TYPE ID VERSION SIZE READ ONLY TRANSPORT ROTATIONAL WWID MODEL SERIAL`. Loop
 * devices, CD-ROMs and read-only disks are left out.
 */
export function installableDisks(table: string): string[] {
  const disks: string[] = [];
  for (const line of table.split("\n")) {
    const tokens = line.trim().split(/\s+/);
    const at = tokens.indexOf("Disk");
    if (at < 1 || tokens[at - 1] !== "runtime") {
      continue;
    }
    const [id, , , , readOnly] = tokens.slice(at + 1);
    if (id === undefined || NOT_A_DISK.test(id) || readOnly === "true" || /DVD-ROM|CD-ROM/i.test(line)) {
      continue;
    }
    disks.push(`/dev/${id}`);
  }
  return disks;
}

interface DiskMatch {
  missing: string | undefined;
  node: NodeEntry | undefined;
}

export const missingInstallDiskPlaybook = definePlaybook<
  { missing: string | undefined; evidence: PlaybookEvidence },
  DiskMatch & { disks: string[] }
>({
  id: "talos-install-disk-missing",
  description:
    "talos.installDisk names a disk the VM does not have (/dev/sda vs /dev/vda): use the one disk `talosctl get disks --insecure` reports",
  matches(evidence) {
    const named = firstMatch(evidence, INSTALL_DISK_MISSING);
    if (named) {
      return { missing: named[1], evidence };
    }
    return firstMatch(evidence, NO_SYSTEM_DISK) ? { missing: undefined, evidence } : undefined;
  },
  async gatherFacts(ctx, match) {
    const node = nodeInQuestion(ctx.clusterText, match.evidence);
    if (node === undefined || node.ip === "") {
      return { missing: match.missing, node, disks: [] };
    }
    return { missing: match.missing, node, disks: installableDisks(await ctx.facts.talosDisks(node.ip)) };
  },
  change(clusterText, { node, disks, missing }): PlaybookChange {
    if (node === undefined) {
      return { kind: "no_change", reason: "the cluster file lists no nodes" };
    }
    const [disk, ...others] = disks;
    if (disk === undefined || others.length > 0) {
      return {
        kind: "no_change",
        reason: `node ${node.name} (${node.ip}) reports ${disks.length === 0 ? "no installable disk" : `several disks (${disks.join(", ")})`}; a human must choose`,
      };
    }
    const doc = clusterDocument(clusterText);
    const path =
      node.installDisk !== undefined ? ["nodes", node.index, "installDisk"] : ["talos", "installDisk"];
    const current = valueAt(doc, path);
    if (typeof current !== "string" && current !== undefined) {
      return {
        kind: "no_change",
        reason: `${path.join(".")} is a disk selector; a human wrote it on purpose`,
      };
    }
    if (current === disk) {
      return {
        kind: "no_change",
        reason: `${path.join(".")} is already ${disk}, the disk node ${node.name} reports`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, path, disk),
      summary: `${path.join(".")}: ${missing ?? current ?? "the install disk"} does not exist on node ${node.name}; use ${disk}, its only disk`,
    };
  },
});

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

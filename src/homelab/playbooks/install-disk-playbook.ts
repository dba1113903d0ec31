import { INSTALL_DISK_NOT_ON_NODE } from "../stages/talos-disks.ts";
import { onlySlot } from "./fact-stores/slots.ts";
import type { FactStore, TalosNodeFact } from "./fact-stores/types.ts";
import { installableDisks } from "./talos-playbooks.ts";
import { defineStorePlaybook, firstMatch, type PlaybookEvidence, type PlaybookOutcome } from "./types.ts";

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;

/**
 * Talos's own installer, when `machine.install.disk` names a device the machine lacks: the install
 * task resolves the path with filepath.EvalSymlinks and fails with Go's `lstat /dev/vda: no such
 * file or directory`, logged as `[talos] task install (1/1): failed: …` on the console and in
 * `talosctl dmesg` (siderolabs/talos@af587b6 internal/app/machined/pkg/runtime/v1alpha1/
 * v1alpha1_sequencer_tasks.go, the install task: `Install().Disk()` then `filepath.EvalSymlinks`).
 * This is how a talhelper or Terraform repo, which has no preflight of ours, sees the fault.
 */
const INSTALLER_DISK_MISSING =
  /\btask install \(\d+\/\d+\): failed: lstat (\/dev\/[\w./-]+): no such file or directory/;

/** The node the text talks about (its IP appears in it), else the first control plane. */
function talosNodeInQuestion(nodes: readonly TalosNodeFact[], text: string): TalosNodeFact | undefined {
  const mentioned = new Set([...text.matchAll(IPV4)].map((m) => m[0]));
  return nodes.find((node) => mentioned.has(node.ip)) ?? nodes.find((node) => node.controlPlane) ?? nodes[0];
}

/**
 * The store's Talos nodes; for a Terraform module, which names its nodes its own way, the node
 * whose IP the matched line names, with the one place the module writes the missing disk.
 */
function diskNodesOf(store: FactStore, match: DiskMatch): TalosNodeFact[] {
  const nodes = store.talosNodes();
  if (nodes.length > 0 || match.missing === undefined) {
    return nodes;
  }
  const ip = [...match.line.matchAll(IPV4)][0]?.[0];
  return ip === undefined
    ? []
    : [{ name: ip, ip, controlPlane: true, installDisk: onlySlot(store, "install-disk", match.missing) }];
}

interface DiskMatch {
  missing: string | undefined;
  /** Disks the preflight line listed (none for the installer's own line). */
  listed: string[];
  /** The matched line: the node it names is the one in question. */
  line: string;
  evidence: PlaybookEvidence;
}

function matchInstallDisk(evidence: PlaybookEvidence): DiskMatch | undefined {
  const preflight = firstMatch(evidence, INSTALL_DISK_NOT_ON_NODE);
  const found = preflight ?? firstMatch(evidence, INSTALLER_DISK_MISSING);
  if (!found) {
    return undefined;
  }
  const named = found[1] ?? "";
  // The node is the one the matched line names, not the first one the log mentions.
  const line = found.input.split("\n").find((text) => text.includes(found[0])) ?? found[0];
  return {
    missing: named.startsWith("/dev/") ? named : undefined,
    line,
    listed: preflight ? [...(found[2] ?? "").matchAll(/\/dev\/[\w.-]+/g)].map((m) => m[0]) : [],
    evidence,
  };
}

/**
 * Matches the talos stage's install-disk preflight (stages/talos-disks.ts), which names the disk
 * and the disks the maintenance-mode node reports, and the Talos installer's own failure (above).
 * Talos no longer says anything at apply-config time: `specified install disk does not exist`
 * left with 1.9 (siderolabs/talos commit 9a02ecc49; @v1.8.0 pkg/machinery/config/types/v1alpha1/
 * v1alpha1_validation.go:112, absent at @v1.9.0). The disks are read again from the node
 * (`talosctl get disks --insecure`), since the VM may have changed since the preflight ran; the
 * preflight's own list serves when the text names no node the repo describes. The disk is written
 * where the repo keeps it: the cluster file, or talconfig.yaml's `nodes[].installDisk` (or the
 * talenv.yaml value it takes).
 */
export const missingInstallDiskPlaybook = defineStorePlaybook<
  DiskMatch,
  { missing: string | undefined; node: TalosNodeFact | undefined; disks: string[] }
>({
  id: "talos-install-disk-missing",
  description:
    "a node's install disk names a disk the VM does not have (/dev/sda vs /dev/vda): use the one disk `talosctl get disks --insecure` reports",
  matches: matchInstallDisk,
  async gatherFacts(ctx, match) {
    const nodes = diskNodesOf(ctx.store, match);
    const node =
      talosNodeInQuestion(nodes, match.line) ??
      talosNodeInQuestion(nodes, `${match.evidence.lines.join("\n")}\n${match.evidence.logTail}`);
    if (node === undefined || node.ip === "") {
      return { missing: match.missing, node, disks: match.listed };
    }
    return { missing: match.missing, node, disks: installableDisks(await ctx.facts.talosDisks(node.ip)) };
  },
  change(store, { node, disks, missing }): PlaybookOutcome {
    if (node === undefined) {
      return { kind: "no_change", reason: `${store.name} describes no Talos node this failure is about` };
    }
    const [disk, ...others] = disks;
    if (disk === undefined || others.length > 0) {
      return {
        kind: "no_change",
        reason: `node ${node.name} (${node.ip}) reports ${disks.length === 0 ? "no installable disk" : `several disks (${disks.join(", ")})`}; a human must choose`,
      };
    }
    const slot = node.installDisk;
    if ("why" in slot) {
      return { kind: "no_change", reason: slot.why };
    }
    if (slot.readOnly !== undefined) {
      return { kind: "no_change", reason: slot.readOnly };
    }
    if (slot.current === disk) {
      return {
        kind: "no_change",
        reason: `${slot.label} is already ${disk}, the disk node ${node.name} reports`,
      };
    }
    return {
      kind: "changed",
      path: slot.file,
      text: slot.edit(disk),
      summary: `${slot.label}: ${missing ?? (slot.current || "the install disk")} does not exist on node ${node.name}; use ${disk}, its only disk`,
    };
  },
});

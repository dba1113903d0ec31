/**
 * Built-in deterministic fixes for failures the homelab stage pack knows well
 * (research/homelab-stages.md §3, ★). Each is a rule: a match on the real error text, read-only
 * facts, and one edit that keeps the file's comments, made where the repo keeps the fact: the
 * built-in cluster file, a Terraform/OpenTofu tfvars file or variable default, or talhelper's
 * talconfig.yaml (fact-stores/).
 *
 * - `PLAYBOOKS`: the rules, in the order they are tried.
 * - `runPlaybooks({ worktree, evidence, facts, stageFiles })`: finds the fact stores, tries each
 *   matching rule on each, writes the first change into the worktree and says which rule made it.
 *   The Flux-tree rules (flux-*.ts) work on the repo's manifests instead of a fact store and are
 *   tried first, on the worktree's YAML files (flux-tree.ts).
 * - `liveFactSource({ baseDir, env })`: facts from Proxmox (the cluster file's connection or the
 *   Terraform provider's) and talosctl.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { duplicateVmidPlaybook, storageLacksContentPlaybook } from "./cluster-playbooks.ts";
import { CLUSTER_FOLDER, loadFactStores } from "./fact-stores/load.ts";
import {
  issuerMissingPlaybook,
  kustomizationPathMissingPlaybook,
  namespaceMissingPlaybook,
} from "./flux-playbooks.ts";
import { isTreePlaybook, loadFluxTree } from "./flux-tree.ts";
import { helmValueRefusedPlaybook, noDefaultStorageClassPlaybook } from "./flux-values-playbooks.ts";
import { missingInstallDiskPlaybook } from "./install-disk-playbook.ts";
import { nodeIpOutsideSubnetPlaybook, vipOutsideSubnetPlaybook } from "./network-playbooks.ts";
import {
  missingBridgePlaybook,
  missingStoragePlaybook,
  unknownProxmoxNodePlaybook,
} from "./proxmox-playbooks.ts";
import { kubernetesUnsupportedPlaybook, talosContractPlaybook } from "./talos-playbooks.ts";
import type { PlaybookEvidence, PlaybookFactSource, RunnablePlaybook } from "./types.ts";

export { duplicateVmidPlaybook, storageLacksContentPlaybook } from "./cluster-playbooks.ts";
export { CLUSTER_FOLDER, clusterFilesFor, loadFactStores } from "./fact-stores/load.ts";
export type { FactStore, ProxmoxAccess } from "./fact-stores/types.ts";
export { connectionFromProvider, liveFactSource } from "./facts.ts";
export {
  issuerMissingPlaybook,
  kustomizationPathMissingPlaybook,
  namespaceMissingPlaybook,
} from "./flux-playbooks.ts";
export { defineTreePlaybook, type FluxTree, loadFluxTree } from "./flux-tree.ts";
export { helmValueRefusedPlaybook, noDefaultStorageClassPlaybook } from "./flux-values-playbooks.ts";
export { missingInstallDiskPlaybook } from "./install-disk-playbook.ts";
export { nodeIpOutsideSubnetPlaybook, vipOutsideSubnetPlaybook } from "./network-playbooks.ts";
export {
  missingBridgePlaybook,
  missingStoragePlaybook,
  unknownProxmoxNodePlaybook,
} from "./proxmox-playbooks.ts";
export { installableDisks, kubernetesUnsupportedPlaybook, talosContractPlaybook } from "./talos-playbooks.ts";
export {
  definePlaybook,
  defineStorePlaybook,
  type Playbook,
  type PlaybookChange,
  type PlaybookContext,
  type PlaybookEvidence,
  type PlaybookFactSource,
  type PlaybookOutcome,
  type RunnablePlaybook,
  type StoreContext,
  type StorePlaybook,
} from "./types.ts";

export const PLAYBOOKS: readonly RunnablePlaybook[] = [
  missingStoragePlaybook,
  missingBridgePlaybook,
  missingInstallDiskPlaybook,
  nodeIpOutsideSubnetPlaybook,
  talosContractPlaybook,
  kubernetesUnsupportedPlaybook,
  storageLacksContentPlaybook,
  unknownProxmoxNodePlaybook,
  duplicateVmidPlaybook,
  vipOutsideSubnetPlaybook,
  kustomizationPathMissingPlaybook,
  namespaceMissingPlaybook,
  issuerMissingPlaybook,
  helmValueRefusedPlaybook,
  noDefaultStorageClassPlaybook,
];

export type PlaybookRun =
  | { kind: "changed"; playbook: string; path: string; summary: string; filesOpened: string[] }
  | { kind: "no_change"; summary: string; tried: string[] };

export async function runPlaybooks(options: {
  worktree: string;
  evidence: PlaybookEvidence;
  facts: PlaybookFactSource;
  /** The failing stage's files (repo-relative): they say where its facts live. */
  stageFiles?: readonly string[];
  playbooks?: readonly RunnablePlaybook[];
}): Promise<PlaybookRun> {
  const playbooks = (options.playbooks ?? PLAYBOOKS).filter((playbook) => playbook.matches(options.evidence));
  if (playbooks.length === 0) {
    return { kind: "no_change", summary: "no built-in playbook knows this failure", tried: [] };
  }
  // The Flux-tree playbooks read the repo's manifests, not a fact store.
  const reasons: string[] = [];
  const onTree = playbooks.filter(isTreePlaybook);
  if (onTree.length > 0) {
    const tree = await loadFluxTree(options.worktree, options.stageFiles ?? []);
    for (const playbook of onTree) {
      const change = playbook.attemptOnTree(tree, options.evidence);
      if (change.kind === "changed" && change.text !== tree.files.get(change.path)) {
        await writeFile(join(options.worktree, change.path), change.text);
        return {
          kind: "changed",
          playbook: playbook.id,
          path: change.path,
          summary: `${playbook.id}: ${change.summary}`,
          filesOpened: [change.path],
        };
      }
      reasons.push(`${playbook.id}: ${change.kind === "changed" ? "no difference" : change.reason}`);
    }
    if (onTree.length === playbooks.length) {
      return { kind: "no_change", summary: reasons.join("; "), tried: playbooks.map((p) => p.id) };
    }
  }
  const stores = await loadFactStores(options.worktree, {
    stageFiles: options.stageFiles ?? [],
    logTail: options.evidence.logTail,
  });
  if (stores.length === 0) {
    return {
      kind: "no_change",
      summary: [
        ...reasons,
        `${playbooks
          .filter((p) => !isTreePlaybook(p))
          .map((p) => p.id)
          .join(
            ", ",
          )} matched, but this repo has no cluster file under ${CLUSTER_FOLDER}/, Terraform module or talconfig.yaml to fix`,
      ].join("; "),
      tried: playbooks.map((p) => p.id),
    };
  }
  for (const playbook of playbooks.filter((candidate) => !isTreePlaybook(candidate))) {
    for (const store of stores) {
      const change = await playbook.attempt({ store, facts: options.facts }, options.evidence);
      if (
        change.kind === "changed" &&
        change.text === (await readFile(join(options.worktree, change.path), "utf8"))
      ) {
        reasons.push(`${playbook.id}: no difference`);
        continue;
      }
      if (change.kind === "changed") {
        await writeFile(join(options.worktree, change.path), change.text);
        return {
          kind: "changed",
          playbook: playbook.id,
          path: change.path,
          summary: `${playbook.id}: ${change.summary}`,
          filesOpened: [...store.files],
        };
      }
      reasons.push(`${playbook.id}: ${change.reason}`);
    }
  }
  return { kind: "no_change", summary: reasons.join("; "), tried: playbooks.map((p) => p.id) };
}

/**
 * Built-in deterministic fixes for failures the homelab stage pack knows well
 * (research/homelab-stages.md §3, ★). Each is a rule: a match on the real error text, read-only
 * facts, and one edit of `config/clusters/<name>.yaml` that keeps its comments.
 *
 * - `PLAYBOOKS`: the rules, in the order they are tried.
 * - `runPlaybooks({ worktree, evidence, facts })`: finds the cluster file, tries each matching
 *   rule, writes the first change into the worktree and says which rule made it.
 * - `liveFactSource({ baseDir, env })`: facts from Proxmox (cluster file's connection) and talosctl.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  duplicateVmidPlaybook,
  storageLacksContentPlaybook,
  unknownProxmoxNodePlaybook,
} from "./cluster-playbooks.ts";
import { nodeIpOutsideSubnetPlaybook, vipOutsideSubnetPlaybook } from "./network-playbooks.ts";
import { missingBridgePlaybook, missingStoragePlaybook } from "./proxmox-playbooks.ts";
import {
  kubernetesUnsupportedPlaybook,
  missingInstallDiskPlaybook,
  talosContractPlaybook,
} from "./talos-playbooks.ts";
import type { PlaybookEvidence, PlaybookFactSource, RunnablePlaybook } from "./types.ts";

export {
  duplicateVmidPlaybook,
  storageLacksContentPlaybook,
  unknownProxmoxNodePlaybook,
} from "./cluster-playbooks.ts";
export { liveFactSource } from "./facts.ts";
export { nodeIpOutsideSubnetPlaybook, vipOutsideSubnetPlaybook } from "./network-playbooks.ts";
export { missingBridgePlaybook, missingStoragePlaybook } from "./proxmox-playbooks.ts";
export {
  installableDisks,
  kubernetesUnsupportedPlaybook,
  missingInstallDiskPlaybook,
  talosContractPlaybook,
} from "./talos-playbooks.ts";
export {
  definePlaybook,
  type Playbook,
  type PlaybookChange,
  type PlaybookContext,
  type PlaybookEvidence,
  type PlaybookFactSource,
  type RunnablePlaybook,
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
];

export const CLUSTER_FOLDER = "config/clusters";

export type PlaybookRun =
  | { kind: "changed"; playbook: string; clusterPath: string; summary: string }
  | { kind: "no_change"; summary: string; tried: string[] };

/**
 * The cluster files a failure may be about: those under config/clusters/, the one the log names
 * first when it names one.
 */
export async function clusterFilesFor(worktree: string, logTail: string): Promise<string[]> {
  const names = await readdir(join(worktree, CLUSTER_FOLDER)).catch(() => [] as string[]);
  const paths = names
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${CLUSTER_FOLDER}/${name}`)
    .sort();
  return [
    ...paths.filter((path) => logTail.includes(path)),
    ...paths.filter((path) => !logTail.includes(path)),
  ];
}

export async function runPlaybooks(options: {
  worktree: string;
  evidence: PlaybookEvidence;
  facts: PlaybookFactSource;
  playbooks?: readonly RunnablePlaybook[];
}): Promise<PlaybookRun> {
  const playbooks = (options.playbooks ?? PLAYBOOKS).filter((playbook) => playbook.matches(options.evidence));
  if (playbooks.length === 0) {
    return { kind: "no_change", summary: "no built-in playbook knows this failure", tried: [] };
  }
  const clusterPaths = await clusterFilesFor(options.worktree, options.evidence.logTail);
  if (clusterPaths.length === 0) {
    return {
      kind: "no_change",
      summary: `${playbooks.map((p) => p.id).join(", ")} matched, but there is no cluster file under ${CLUSTER_FOLDER}/`,
      tried: playbooks.map((p) => p.id),
    };
  }
  const reasons: string[] = [];
  for (const playbook of playbooks) {
    for (const clusterPath of clusterPaths) {
      const clusterText = await readFile(join(options.worktree, clusterPath), "utf8");
      const change = await playbook.attempt(
        { clusterPath, clusterText, facts: options.facts },
        options.evidence,
      );
      if (change.kind === "changed" && change.text !== clusterText) {
        await writeFile(join(options.worktree, clusterPath), change.text);
        return {
          kind: "changed",
          playbook: playbook.id,
          clusterPath,
          summary: `${playbook.id}: ${change.summary}`,
        };
      }
      reasons.push(`${playbook.id}: ${change.kind === "no_change" ? change.reason : "no difference"}`);
    }
  }
  return { kind: "no_change", summary: reasons.join("; "), tried: playbooks.map((p) => p.id) };
}

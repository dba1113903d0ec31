import type { PveNetworkInterface, PveStorage, PveVmConfig } from "../proxmox/index.ts";

/** What a playbook matches against: the fingerprint's error lines and the log tail. */
export interface PlaybookEvidence {
  lines: readonly string[];
  logTail: string;
}

/** Read-only sources of facts. Each may throw; a playbook that cannot learn its facts changes nothing. */
export interface PlaybookFactSource {
  /** A Proxmox node's storages (GET /nodes/{node}/storage). */
  storages(clusterText: string, node: string): Promise<PveStorage[]>;
  /** A Proxmox node's bridges (GET /nodes/{node}/network?type=any_bridge). */
  bridges(clusterText: string, node: string): Promise<PveNetworkInterface[]>;
  /** A VM's configuration (GET /nodes/{node}/qemu/{vmid}/config). */
  vmConfig(clusterText: string, node: string, vmid: number): Promise<PveVmConfig | undefined>;
  /** The token's privileges on one ACL path (GET /access/permissions?path=…). */
  privileges(clusterText: string, path: string): Promise<Set<string>>;
  /** The Proxmox cluster's node names and whether each is online (GET /nodes). */
  nodes(clusterText: string): Promise<{ node: string; online: boolean }[]>;
  /** The text `talosctl get disks --insecure -n <ip> -e <ip>` prints for a maintenance-mode node. */
  talosDisks(ip: string): Promise<string>;
}

export interface PlaybookContext {
  /** Repo-relative path of the cluster file being edited. */
  clusterPath: string;
  clusterText: string;
  facts: PlaybookFactSource;
}

export type PlaybookChange =
  | { kind: "changed"; text: string; summary: string }
  | { kind: "no_change"; reason: string };

/**
 * A built-in deterministic fix: it recognises one failure by its real error text, learns the facts
 * it needs read-only, and edits the cluster file (comments kept). Typed by what it matched and
 * what it learned; `definePlaybook` erases both for the registry.
 */
export interface Playbook<Match, Facts> {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): Match | undefined;
  gatherFacts(ctx: PlaybookContext, match: Match): Promise<Facts>;
  change(clusterText: string, facts: Facts, match: Match): PlaybookChange;
}

export interface RunnablePlaybook {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): boolean;
  attempt(ctx: PlaybookContext, evidence: PlaybookEvidence): Promise<PlaybookChange>;
}

export function definePlaybook<Match, Facts>(playbook: Playbook<Match, Facts>): RunnablePlaybook {
  return {
    id: playbook.id,
    description: playbook.description,
    matches: (evidence) => playbook.matches(evidence) !== undefined,
    async attempt(ctx, evidence) {
      const match = playbook.matches(evidence);
      if (match === undefined) {
        return { kind: "no_change", reason: `${playbook.id} does not match this failure` };
      }
      let facts: Facts;
      try {
        facts = await playbook.gatherFacts(ctx, match);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        return { kind: "no_change", reason: `${playbook.id} could not learn its facts: ${detail}` };
      }
      return playbook.change(ctx.clusterText, facts, match);
    },
  };
}

/** The first capture of `pattern` in the error lines, else in the log tail. */
export function firstMatch(evidence: PlaybookEvidence, pattern: RegExp): RegExpExecArray | undefined {
  for (const line of evidence.lines) {
    const found = pattern.exec(line);
    if (found) {
      return found;
    }
  }
  return pattern.exec(evidence.logTail) ?? undefined;
}

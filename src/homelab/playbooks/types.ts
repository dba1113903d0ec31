import type { PveNetworkInterface, PveStorage, PveVmConfig } from "../proxmox/index.ts";
import { clusterFileStore, isClusterFileStore } from "./fact-stores/cluster-file-store.ts";
import type { FactStore, ProxmoxAccess } from "./fact-stores/types.ts";

/** What a playbook matches against: the fingerprint's error lines and the log tail. */
export interface PlaybookEvidence {
  lines: readonly string[];
  logTail: string;
}

/**
 * Read-only sources of facts. Each may throw; a playbook that cannot learn its facts changes
 * nothing. Proxmox is reached through `access`: a cluster file's text, or a Terraform provider's
 * settings (src/homelab/playbooks/fact-stores).
 */
export interface PlaybookFactSource {
  /** A Proxmox node's storages (GET /nodes/{node}/storage). */
  storages(access: ProxmoxAccess, node: string): Promise<PveStorage[]>;
  /** A Proxmox node's bridges (GET /nodes/{node}/network?type=any_bridge). */
  bridges(access: ProxmoxAccess, node: string): Promise<PveNetworkInterface[]>;
  /** A VM's configuration (GET /nodes/{node}/qemu/{vmid}/config). */
  vmConfig(access: ProxmoxAccess, node: string, vmid: number): Promise<PveVmConfig | undefined>;
  /** The token's privileges on one ACL path (GET /access/permissions?path=…). */
  privileges(access: ProxmoxAccess, path: string): Promise<Set<string>>;
  /** The Proxmox cluster's node names and whether each is online (GET /nodes). */
  nodes(access: ProxmoxAccess): Promise<{ node: string; online: boolean }[]>;
  /** The text `talosctl get disks --insecure -n <ip> -e <ip>` prints for a maintenance-mode node. */
  talosDisks(ip: string): Promise<string>;
}

/** What a playbook written for the cluster file works on. */
export interface PlaybookContext {
  /** Repo-relative path of the cluster file being edited. */
  clusterPath: string;
  clusterText: string;
  facts: PlaybookFactSource;
}

/** What a playbook that fixes a fact wherever the repo keeps it works on. */
export interface StoreContext {
  store: FactStore;
  facts: PlaybookFactSource;
}

/** A cluster-file playbook's edit: the cluster file's new text. */
export type PlaybookChange =
  | { kind: "changed"; text: string; summary: string }
  | { kind: "no_change"; reason: string };

/** What an attempt did: which file it changed (repo-relative) and its new text, or why nothing. */
export type PlaybookOutcome =
  | { kind: "changed"; path: string; text: string; summary: string }
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

/**
 * A fix that reads and writes facts through a fact store, so it works on whichever file the repo
 * keeps them in: the cluster file, a tfvars file or variable default, talconfig.yaml.
 */
export interface StorePlaybook<Match, Facts> {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): Match | undefined;
  gatherFacts(ctx: StoreContext, match: Match): Promise<Facts>;
  change(store: FactStore, facts: Facts, match: Match): PlaybookOutcome;
}

export interface RunnablePlaybook {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): boolean;
  /** Tries the fix on a fact store (or, as before stores, on one cluster file's text). */
  attempt(ctx: StoreContext | PlaybookContext, evidence: PlaybookEvidence): Promise<PlaybookOutcome>;
}

async function learn<Facts>(
  id: string,
  gather: () => Promise<Facts>,
): Promise<{ learned: true; facts: Facts } | { learned: false; reason: string }> {
  try {
    return { learned: true, facts: await gather() };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { learned: false, reason: `${id} could not learn its facts: ${detail}` };
  }
}

/** A playbook for the built-in cluster file: on any other fact store it changes nothing. */
export function definePlaybook<Match, Facts>(playbook: Playbook<Match, Facts>): RunnablePlaybook {
  return defineStorePlaybook<Match, { facts: Facts } | undefined>({
    id: playbook.id,
    description: playbook.description,
    matches: playbook.matches,
    async gatherFacts({ store, facts }, match) {
      return isClusterFileStore(store)
        ? {
            facts: await playbook.gatherFacts(
              { clusterPath: store.path, clusterText: store.text, facts },
              match,
            ),
          }
        : undefined;
    },
    change(store, learned, match) {
      if (!isClusterFileStore(store) || learned === undefined) {
        return { kind: "no_change", reason: `${playbook.id} fixes the cluster file only, not ${store.name}` };
      }
      const change = playbook.change(store.text, learned.facts, match);
      return change.kind === "changed" ? { ...change, path: store.path } : change;
    },
  });
}

/** A playbook that fixes a fact wherever the repo keeps it (src/homelab/playbooks/fact-stores). */
export function defineStorePlaybook<Match, Facts>(playbook: StorePlaybook<Match, Facts>): RunnablePlaybook {
  return {
    id: playbook.id,
    description: playbook.description,
    matches: (evidence) => playbook.matches(evidence) !== undefined,
    async attempt(given, evidence) {
      const match = playbook.matches(evidence);
      if (match === undefined) {
        return { kind: "no_change", reason: `${playbook.id} does not match this failure` };
      }
      const ctx: StoreContext =
        "store" in given
          ? given
          : { store: clusterFileStore(given.clusterPath, given.clusterText), facts: given.facts };
      const learned = await learn(playbook.id, () => playbook.gatherFacts(ctx, match));
      return learned.learned
        ? playbook.change(ctx.store, learned.facts, match)
        : { kind: "no_change", reason: learned.reason };
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

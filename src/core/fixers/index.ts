/**
 * The ports through which the loop asks for a fix: remembered fixes, the local executor and
 * escalation to a model. Each is a small interface that returns what it did; the loop keeps
 * every count (`errors.json`) itself. Adapters implement these types; none of them imports the
 * loop (controller-runtime's `Reconciler` is one method for the same reason).
 */
import type { ErrorFingerprint } from "../fingerprint/index.ts";
import type { CallUsage } from "../journal/index.ts";

/** A failed run, as every fixer sees it. */
export interface FailedRun {
  stage: string;
  fingerprint: ErrorFingerprint;
  logTail: string;
  /** Repo-relative path of the run's log. */
  logFile: string;
  exitCode: number | null;
  checks: { name: string; passed: boolean; detail: string }[];
}

/** What the stage's episode knows so far, for a case file or a brief. */
export interface EpisodeFacts {
  /** The AI branch commit at which the stage was last green. */
  lastGreenCommit: string | undefined;
  history: {
    at: string;
    attempt: number;
    fingerprint: string;
    action: string;
    reason: string;
    logFile?: string;
  }[];
  /** What the last executor run said (its summary and the files it opened), ranked first in a case file. */
  executorNotes: ExecutorNotes | undefined;
}

export interface ExecutorNotes {
  summary: string;
  filesOpened: string[];
}

export type FixRequest = FailedRun & { episode: EpisodeFacts };

/** A fix committed on the AI branch; `switchOffs` when it switches something off and must go to a human. */
export type PatchedOutcome = {
  kind: "patched";
  commit: string;
  source: string;
  summary: string;
  files: string[];
  switchOffs?: string[];
};

/** What one fix attempt did, whoever made it. */
export type FixOutcome =
  | PatchedOutcome
  | { kind: "no_change"; summary: string }
  | { kind: "refused"; reasons: string[] }
  | { kind: "failed"; reason: string };

/** A case folder and the last case file version written in it. */
export interface CaseRef {
  id: string;
  version: number;
  /** Repo-relative: `ai/escalations/<stage>/<id>`. */
  dir: string;
}

/** Remembered fixes (`ai/state/fixes.json`). */
export interface FixMemoryPort {
  /** A fix remembered for this fingerprint and not in `tried`, best first. */
  untriedFix(
    stage: string,
    fingerprint: ErrorFingerprint,
    tried: readonly string[],
  ): Promise<string | undefined>;
  replay(fixId: string, request: FixRequest): Promise<FixOutcome>;
  /** The stage went green after `commit`: remember it (or count one more success of `replayedFixId`). */
  verified(
    stage: string,
    fingerprint: ErrorFingerprint,
    commit: string,
    replayedFixId?: string,
  ): Promise<void>;
  /** A replayed fix did not help. */
  demote(fixId: string): Promise<void>;
  /** At `--reset` after a give_up: the human's commits since `sinceCommit` become the fix. */
  rememberHumanFix(
    stage: string,
    fingerprint: { template: string; exact: string },
    sinceCommit: string,
  ): Promise<string | undefined>;
}

/** The local executor (codex, a local model, a CLI agent, the playbooks). */
export interface ExecutorPort {
  readonly name: string;
  run(request: FixRequest): Promise<{ outcome: FixOutcome; notes: ExecutorNotes; apiRequests: number }>;
}

export type EscalationOutcome =
  | PatchedOutcome
  | { kind: "give_up"; reason: string }
  | { kind: "no_patch"; reason: string };

/** Escalation to the model API with a case file. */
export interface EscalatorPort {
  /** True when an API key (or a compatible endpoint) is configured. */
  readonly configured: boolean;
  /**
   * Calls the model at most `remainingCalls` times; `account` is told of every call as it is
   * made (so a call is counted even when a later step fails). Continues `previousCase` (v3, v4, …)
   * when given.
   */
  escalate(
    request: FixRequest,
    budget: { remainingCalls: number; previousCase: CaseRef | undefined },
    account: (call: {
      requests: number;
      usage: CallUsage;
      model: string;
      answer: string;
      caseDir: string;
    }) => Promise<void>,
  ): Promise<{ outcome: EscalationOutcome; case: CaseRef }>;
  /** Without an API: the case file is written anyway for a human. */
  writeCaseFile(request: FixRequest): Promise<CaseRef>;
}

/** Every fixer the loop may use. An absent executor means plain retries below the threshold. */
export interface FixerPorts {
  memory: FixMemoryPort;
  executor: ExecutorPort | undefined;
  escalator: EscalatorPort;
}

export function describeFixOutcome(fix: FixOutcome | EscalationOutcome): string {
  switch (fix.kind) {
    case "patched":
      return `${fix.source} committed ${fix.commit.slice(0, 10)}: ${fix.summary}`;
    case "no_change":
      return `no change: ${fix.summary}`;
    case "refused":
      return `the change was refused: ${fix.reasons.join("; ")}`;
    case "failed":
      return `the fix attempt failed: ${fix.reason}`;
    case "give_up":
      return `the model gave up: ${fix.reason}`;
    case "no_patch":
      return `escalation ended without a usable patch: ${fix.reason}`;
  }
}

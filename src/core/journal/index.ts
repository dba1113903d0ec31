/**
 * The journal (`ai/state/journal.jsonl`): one event per line, append-only. This union is the
 * one list of what may be written there; every writer and every reader (`explain`, `status`,
 * the demo) shares it, so a reader cannot wait for an event nothing writes.
 * Documented in docs/state-files.md.
 */

export type CallUsage = { inputTokens: number; outputTokens: number };

/** Where a patch came from: the `Source:` trailer of its commit. */
export type PatchSource = string;

export type JournalEvent =
  | { type: "run_started"; target: string }
  | { type: "run_finished"; target: string; outcomes: { stage: string; status: string; reason: string }[] }
  | { type: "converge_pass"; pass: number }
  | { type: "lock_taken_over"; from: unknown }
  | { type: "worktree_leftovers_set_aside"; savedTo: string }
  /** A state file that could not be read was moved aside (kept) and started afresh. */
  | { type: "state_file_set_aside"; file: string; keptAs: string }
  | {
      type: "ai_branch_synced";
      how: string;
      branch: string;
      /** AI commits left out when the branch was rebuilt on the user's, with why. */
      dropped?: { commit: string; subject: string; reason: string }[];
    }
  | {
      type: "stage_run";
      stage: string;
      attempt: number;
      green: boolean;
      summary: string;
      logFile: string;
      durationMs: number;
      checks: { name: string; passed: boolean; detail: string }[];
    }
  /** A stage's process group that a killed earlier run left alive was ended before the new run. */
  | { type: "orphan_ended"; stage: string; pgid: number; command: string; startedAt: string; signal: string }
  /** The episode ends green; written after every patch of the episode was settled. */
  | { type: "stage_green"; stage: string; runs: number }
  /** `lines`: the failing lines the fingerprint was taken from (redacted); absent in older journals. */
  | { type: "decision"; stage: string; fingerprint: string; action: string; reason: string; lines?: string[] }
  | { type: "retry_wait"; stage: string; ms: number }
  | {
      type: "executor_run";
      stage: string;
      executor: string;
      outcome: FixOutcomeKind;
      summary: string;
      apiRequests: number;
    }
  | { type: "fix_replayed"; stage: string; fixId: string; outcome: FixOutcomeKind; summary: string }
  | { type: "fix_demoted"; stage: string; fixId: string; reason: string }
  | {
      type: "api_call";
      stage: string;
      caseDir: string;
      requests: number;
      answer: string;
      usage: CallUsage;
      model: string;
      /** Why the call brought no answer (the endpoint unreachable, the budget spent, …). */
      reason?: string;
    }
  | { type: "case_file_written"; stage: string; caseDir: string }
  | {
      type: "patch_applied";
      stage: string;
      commit: string;
      source: PatchSource;
      summary: string;
      files: string[];
      record: string;
      caseId?: string;
    }
  | {
      type: "patch_refused";
      stage: string;
      source: PatchSource;
      summary: string;
      reasons: string[];
      record: string;
      caseId?: string;
    }
  | {
      type: "patch_reverted";
      stage: string;
      commit: string;
      revert: string;
      reason: string;
      /** `loop` when the same error came back; `human` for `orchestrator revert`. */
      by: "loop" | "human";
      source?: PatchSource;
    }
  | { type: "patch_kept"; stage: string; commit: string; reason: string }
  | { type: "patch_verified"; stage: string; commit: string; source: PatchSource; fixId?: string }
  | { type: "human_fix_remembered"; stage: string; fixId: string; fingerprint: string }
  | { type: "give_up"; stage: string; fingerprint: string; reason: string; caseDir?: string }
  /** The stage said its configuration is wrong (exit 78): no retry, executor or model can help. */
  | { type: "needs_human"; stage: string; reason: string; lines: string[] }
  | { type: "drift"; stage: string; check: string; detail: string }
  /**
   * The stage was green, but its `files:` changed on the AI branch since that run (`since`), so it
   * runs again; `for` names the later stage whose fix changed them, when one did.
   */
  | { type: "stage_files_changed"; stage: string; since: string; files: string[]; for?: string }
  /** A fix under the path Flux syncs was pushed and offered as a pull request on the forge. */
  | { type: "delivery_proposed"; stage: string; commit: string; pull: number; url: string; approval: string }
  | { type: "delivery_merged"; stage: string; pull: number; url: string; by: "orchestrator" | "human" }
  | { type: "reset"; stage: string; previous?: string }
  /**
   * A notification could not be delivered to a target (named, never its URL); `retryAt` when it
   * will be tried again, absent when it was dropped after the last try.
   */
  | {
      type: "notification_failed";
      target: string;
      key: string;
      attempts: number;
      error: string;
      retryAt?: string;
    }
  /** A fix was committed but not run: its source's approval mode is `propose`. */
  | {
      type: "fix_proposed";
      stage: string;
      id: string;
      commit: string;
      source: PatchSource;
      fingerprint: string;
      fixId?: string;
      /** What the fix switches off (redacted): why it was proposed rather than refused or run. */
      switchOffs?: string[];
    }
  /** `orchestrator approve ID`: the stage runs with the proposed fix, which is verified as usual. */
  | { type: "fix_approved"; stage: string; id: string; commit: string }
  /** `orchestrator reject ID`: reverted, and never proposed or replayed again for that error. */
  | { type: "fix_rejected"; stage: string; id: string; commit: string; fingerprint: string };

export type FixOutcomeKind = "patched" | "no_change" | "refused" | "failed";

export type JournalEventType = JournalEvent["type"];

/** An event as stored: with when and by which process it was written. */
export type JournalRecord = JournalEvent & { at: string; pid?: number };

const EVENT_TYPES: ReadonlySet<string> = new Set<JournalEventType>([
  "run_started",
  "run_finished",
  "converge_pass",
  "lock_taken_over",
  "worktree_leftovers_set_aside",
  "state_file_set_aside",
  "ai_branch_synced",
  "stage_run",
  "stage_green",
  "orphan_ended",
  "decision",
  "retry_wait",
  "executor_run",
  "fix_replayed",
  "fix_demoted",
  "api_call",
  "case_file_written",
  "patch_applied",
  "patch_refused",
  "patch_reverted",
  "patch_kept",
  "patch_verified",
  "human_fix_remembered",
  "give_up",
  "needs_human",
  "drift",
  "stage_files_changed",
  "delivery_proposed",
  "delivery_merged",
  "reset",
  "notification_failed",
  "fix_proposed",
  "fix_approved",
  "fix_rejected",
]);

/**
 * Reads the journal's text tolerantly: a line cut short by a crash, a line that is not an
 * object (`null`, a number) or an event of a type this version does not know is skipped and
 * counted, never fatal. Events are trusted to carry their fields: only the tool writes them.
 */
export function parseJournal(text: string): { records: JournalRecord[]; skipped: number } {
  const records: JournalRecord[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (isRecord(value)) {
      records.push(value);
    } else {
      skipped++;
    }
  }
  return { records, skipped };
}

function isRecord(value: unknown): value is JournalRecord {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const fields = value as Record<string, unknown>;
  return (
    typeof fields["type"] === "string" && EVENT_TYPES.has(fields["type"]) && typeof fields["at"] === "string"
  );
}

/** The events of one stage, in order. */
export function stageEvents(records: readonly JournalRecord[], stage: string): JournalRecord[] {
  return records.filter((record) => "stage" in record && record.stage === stage);
}

import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import type { StageErrors, StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings } from "../config/index.ts";
import type { ErrorFingerprint } from "../core/fingerprint/index.ts";

/** How a stage's episode ended, as `convergeStage` reports it. */
export type StageOutcome = {
  stage: string;
  status: "green" | "give_up" | "interrupted";
  reason: string;
  runs: number;
};

/** What the terminal (or a test) is told while the loop works. */
export interface Reporter {
  stageStarted(stage: string, attempt: number, command: string): void;
  line(stage: string, text: string): void;
  stageFinished(stage: string, result: StageRunResult): void;
  note(stage: string, text: string): void;
}

/** Where stage commands run and where AI changes land: the AI branch's worktree. */
export interface Workspace {
  readonly workdir: string;
  /** The commit stage commands currently run against, when the workspace is a git checkout. */
  head(): Promise<string | undefined>;
  /** Undoes an AI commit that did not help; returns the revert commit. */
  revert(commit: string, reason: string): Promise<string>;
}

/** A fix attempt's outcome, whoever made it (executor, remembered fix, model). */
export type FixResult =
  | { kind: "patched"; commit: string; source: string; summary: string; files: string[] }
  | { kind: "no_change"; summary: string }
  | { kind: "refused"; reasons: string[] }
  | { kind: "failed"; reason: string };

export type EscalationResult =
  | (FixResult & { caseDir: string })
  | { kind: "give_up"; reason: string; caseDir: string };

export interface FixRequest {
  stage: string;
  fingerprint: ErrorFingerprint;
  logTail: string;
  logFile: string;
  errors: StageErrors;
  run: StageRunResult;
}

/**
 * The ways a failing stage gets fixed. The loop decides *when*; these decide *how*.
 * Each is optional: without one, the loop takes the honest fallback DESIGN.md names.
 */
export interface Fixers {
  /** Name shown in `status`, e.g. "codex", "playbook", or "none". */
  executorName: string;
  runExecutor?(request: FixRequest): Promise<FixResult>;
  /** True when an API key (or a compatible endpoint) is configured. */
  apiConfigured: boolean;
  /**
   * One escalation (one or more API calls, never more than `remainingCalls`), ending in a patch
   * or not. As it goes it records in `request.errors`, which the loop saves, each call's count
   * and tokens (so a call is counted even when something fails after it) and its case folder
   * (so the next escalation for the same error continues the same case: v3, v4, …).
   */
  escalate?(request: FixRequest, remainingCalls: number): Promise<EscalationResult>;
  /** Without an API: write the case file anyway so a human can use it. Returns its folder. */
  writeCaseFileOnly?(request: FixRequest): Promise<string>;
  /** A remembered fix for this fingerprint that has not been tried in this episode. */
  untriedFix?(
    stage: string,
    fingerprint: ErrorFingerprint,
    tried: readonly string[],
  ): Promise<string | undefined>;
  replayFix?(fixId: string, request: FixRequest): Promise<FixResult>;
  /**
   * Told when a patch made the stage green, so it can be remembered; `replayedFixId` when the
   * patch was a remembered fix replayed, which then counts one more success instead.
   */
  rememberFix?(
    stage: string,
    fingerprint: { template: string; exact: string },
    commit: string,
    replayedFixId?: string,
  ): Promise<void>;
  /** Told when a remembered fix was replayed and did not help. */
  demoteFix?(fixId: string): Promise<void>;
  /**
   * At `--reset` after a give_up: remember the human's own commits since `sinceCommit` as the
   * fix for that error. Returns the remembered fix's id, if there was anything to remember.
   */
  rememberHumanFix?(
    stage: string,
    fingerprint: { template: string; exact: string },
    sinceCommit: string,
  ): Promise<string | undefined>;
}

export interface RunContext {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  state: StateStore;
  workspace: Workspace;
  fixers: Fixers;
  reporter: Reporter;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

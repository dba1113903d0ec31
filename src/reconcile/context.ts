import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import type { CheckResult, StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings, StageSpec } from "../config/index.ts";
import type { FixerPorts } from "../core/fixers/index.ts";
import type { ProposalPort } from "../core/policy/proposal.ts";

export type {
  CaseRef,
  EscalatorPort,
  ExecutorPort,
  FixerPorts,
  FixMemoryPort,
  FixOutcome,
  FixRequest,
} from "../core/fixers/index.ts";
export type { NewProposal, Proposal, ProposalPort } from "../core/policy/proposal.ts";

/** How a stage's episode ended, as `convergeStage` reports it. */
export type StageOutcome = {
  stage: string;
  status: "green" | "give_up" | "needs_human" | "interrupted" | "awaiting_approval";
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
  /**
   * Paths (relative to `workdir`) that differ between `since` and the AI branch tip; undefined
   * when git no longer knows `since` (the branch was rebuilt and the commit pruned).
   */
  changedSince(since: string): Promise<string[] | undefined>;
  /** Whether the AI branch still has `commit` (a rebuild on the user's branch may have dropped it). */
  holds(commit: string): Promise<boolean>;
}

/** Runs a stage's command and its checks (the real one is src/adapters/stage-runner). */
export interface StagePort {
  run(input: {
    stage: string;
    spec: StageSpec;
    attempt: number;
    env: NodeJS.ProcessEnv;
    signal: AbortSignal;
    onLine: (line: string) => void;
  }): Promise<StageRunResult>;
  /** Only the success checks, to see whether a green stage is still green. */
  check(input: { spec: StageSpec; env: NodeJS.ProcessEnv; signal: AbortSignal }): Promise<CheckResult[]>;
}

/** Where a fix to files Flux syncs goes: a pull request on the remote Flux reconciles from. */
export type DeliveryState =
  | { status: "not_needed" }
  | { status: "open" | "merged"; pull: number; url: string; approval: "propose" | "auto" };

/** GitOps delivery (src/adapters/gitops); absent when the repo has none configured. */
export interface DeliveryPort {
  /** Pushes the AI branch and opens (under auto: merges) a pull request when `commit` changes files Flux syncs. */
  deliver(input: { stage: string; commit: string; summary: string }): Promise<DeliveryState>;
  merged(pull: number): Promise<boolean>;
  /** How long to wait for a human's merge before giving up, and how often to look. */
  readonly waitForMergeMs: number;
  readonly pollMs: number;
}

export interface RunContext {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  state: StateStore;
  workspace: Workspace;
  stages: StagePort;
  fixers: FixerPorts;
  /** Fixes proposed for approval instead of run (an approval rule says `propose`). */
  proposals: ProposalPort;
  reporter: Reporter;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** GitOps delivery of fixes Flux must pull; undefined without a forge configured. */
  delivery?: DeliveryPort;
  /** Masks secrets in text bound for a tracked file (ai/issues.txt); loaded at the first need. */
  redact(text: string): Promise<string>;
}

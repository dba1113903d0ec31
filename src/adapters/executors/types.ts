import type { ExecutorKind } from "../../config/index.ts";
import type { CaseFileContent, CaseSafetyRules } from "../../core/case-file/index.ts";
import type { GitResult } from "../git/index.ts";

/** The kinds that do work; `auto` resolves to one of them and `none` to no executor at all. */
export type ConcreteExecutorKind = Exclude<ExecutorKind, "auto" | "none">;

export interface ExecutorRequest {
  stage: string;
  fingerprint: { template: string; exact: string; lines: string[] };
  logTail: string;
  /** Repo-relative paths of `files`. */
  relevantFiles: string[];
  /** The stage's relevant files as the one reader found them (secrets, binaries and symlinks left out). */
  files: CaseFileContent[];
  /** The text of `ai/executor_instructions.md` (empty when the repo has none). */
  instructions: string;
  /** The AI branch's worktree: the only folder an executor may change. */
  worktree: string;
  /**
   * git on that worktree with its git folder pinned (`SideBranch.worktreeGit`): the only way an
   * executor's changes are read back, so one that deletes the worktree's `.git` cannot make the
   * tool act on, or report, the user's repository.
   */
  worktreeGit: (args: string[]) => Promise<GitResult>;
  /** `ai/logs/<stage>` (absolute): where an executor keeps its own transcript. */
  logDir: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the stage is for, for the brief (the context map's `description`). */
  goal?: string;
  /** The guard's rules, so the brief can tell an agent what it may not touch. */
  safety?: CaseSafetyRules;
}

export interface ExecutorReport {
  outcome: "changed" | "no_change" | "failed";
  /** One or two sentences for the journal, the terminal and the next case file. */
  summary: string;
  /** Files the executor read or edited: the case file builder ranks them first. */
  filesOpened: string[];
  /**
   * A change given as a unified diff instead of edits in the worktree (a model asked for a
   * diff). When set, it is what passes the guard; the worktree is not harvested.
   */
  diff?: string;
  /** Model API requests the executor sent (a local model's calls), for the journal and figures. */
  apiRequests?: number;
}

export interface Executor {
  readonly kind: ConcreteExecutorKind;
  /** Cheap check that this executor can run here (binary on PATH, model configured, ...). */
  available(): Promise<boolean>;
  run(request: ExecutorRequest): Promise<ExecutorReport>;
}

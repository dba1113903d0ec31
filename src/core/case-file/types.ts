import type { RefusedEdit } from "../escalation/prompt.ts";
/** Everything a case file says. The caller gathers it (files, git, state); building it does no I/O. */
export interface CaseFileInput {
  stage: string;
  /** What the stage is for, in a sentence (the context map's `description`, or a default). */
  goal: string;
  command?: string;
  caseId: string;
  /** 1 for the first case file of an escalation, 2 after diagnostics or a failed patch, ... */
  version: number;
  /** The stage command's exit code in the failing run (null: killed by the timeout). */
  exitCode?: number | null;
  criteria: CaseCriterion[];
  fingerprint: CaseFingerprint;
  attemptHistory: CaseAttempt[];
  logTail: string;
  /** The log file the tail comes from, relative to the repo. */
  logFile?: string;
  files: CaseFileContent[];
  /** Files the gatherer did not read (secret, binary, too big), listed under "Left out". */
  skippedFiles?: { path: string; reason: string }[];
  memoSections: { heading: string; text: string }[];
  changesSinceGreen?: { since: string; stat: string; hunks: string };
  earlierPatches: CasePatch[];
  /** The last answer's edit, when it was refused: why, and the current text it should have quoted. */
  refusedEdit?: RefusedEdit;
  diagnostics: CaseDiagnostic[];
  /** What the systems the stage works on say right now, read-only (Proxmox, talosctl, flux, files). */
  liveFacts?: CaseLiveFacts;
  executorNotes?: { summary: string; filesOpened: string[] };
  safety: CaseSafetyRules;
  /** Model calls left after this one, so the model can weigh diagnostics against a patch. */
  remainingCalls?: number;
  /** Default `DEFAULT_TOKEN_BUDGET`. */
  tokenBudget?: number;
}

export interface CaseCriterion {
  name: string;
  command: string;
  expectExit: number;
  expectOutput?: string;
  result: "passed" | "failed" | "not_run";
  /** Why it failed: exit code, the missing pattern, the last lines of its output. */
  detail?: string;
}

export interface CaseFingerprint {
  template: string;
  exact: string;
  /** The error-carrying lines; they are marked in the log tail. */
  lines: string[];
}

export interface CaseAttempt {
  attempt: number;
  fingerprint: string;
  /** Who acted: `run`, `retry`, `executor:codex`, `api`, `replay`, ... */
  source: string;
  outcome: string;
  at?: string;
}

export interface CaseFileContent {
  path: string;
  content: string;
  /** Why it is here: `matches files glob infrastructure/talos/**`, `the log mentions it`, ... */
  reason: string;
}

export interface CasePatch {
  source: string;
  summary: string;
  outcome: "applied" | "refused" | "reverted";
  /** Refusal reasons, or why it was reverted. */
  reasons?: string[];
  diff?: string;
}

/** A diagnostic command and what became of it (the diagnostics runner's result fits). */
export interface CaseDiagnostic {
  command: string;
  why?: string;
  verdict: "ran" | "refused" | "timed_out" | "failed_to_start";
  reason?: string;
  exitCode?: number | null;
  output?: string;
  truncated?: boolean;
}

export interface CaseSafetyRules {
  protectedPaths: string[];
  secretGlobs: string[];
  maxFiles: number;
  maxChangedLines: number;
  allowedDiagnostics: string[];
  /** Existing top-level entries of the repo; a patch may not add another. */
  topLevelEntries?: string[];
  /** The only files a fix for this stage may change: its own `files:` and its needed stages'. */
  stageFiles?: string[];
  /** What counts as switching a check off instead of fixing the fault, one sentence each. */
  switchOffRules?: readonly string[];
}

/**
 * Live facts gathered read-only when the case file is built, so a model need not spend calls on
 * diagnostics or guess: a node's real disks, the Proxmox names, the Flux conditions, ...
 */
export interface CaseLiveFacts {
  sections: CaseFactSection[];
  /** One line each: a fact that could not be gathered, and why (never fatal). */
  unavailable: string[];
}

export interface CaseFactSection {
  title: string;
  /** The read-only call the facts come from: `GET /nodes/pve/storage`, `talosctl get disks --insecure -n …`. */
  source: string;
  /**
   * `observed`: values the orchestrator parsed and checked by shape (names, ids, paths,
   * addresses), which a fix may use; `quoted`: a tool's own free text (a Flux message), shown
   * as untrusted data like a log.
   */
  kind: "observed" | "quoted";
  lines: string[];
}

export interface CaseFile {
  /** The Markdown exactly as it is to be sent (before redaction, which the caller applies). */
  markdown: string;
  /** `estimateTokens(markdown)`. */
  tokens: number;
  /** What was left out or cut to meet the budget, one human sentence each. */
  omitted: string[];
}

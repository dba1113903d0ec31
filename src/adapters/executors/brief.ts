import { buildCaseFile, type CaseFileInput } from "../../core/case-file/index.ts";
import { DEFAULT_MAX_CHANGED_LINES, DEFAULT_MAX_FILES } from "../../core/patch-guard/limits.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import type { ExecutorRequest } from "./types.ts";

const ANSWER_HEADING = "\n## How to answer";

export interface BriefOptions {
  tokenBudget: number;
  redactor: Pick<Redactor, "redact">;
  /** `agent`: it edits files itself; `diff`: it answers with the escalation answer's JSON. */
  audience: "agent" | "diff";
}

/**
 * The compact brief every executor gets: `executor_instructions.md`, then a small case file built
 * by the case file builder within `tokenBudget`. Redacted before it leaves this function.
 */
export async function buildExecutorBrief(request: ExecutorRequest, options: BriefOptions): Promise<string> {
  const input: CaseFileInput = {
    stage: request.stage,
    goal: request.goal ?? `make stage ${request.stage} pass`,
    caseId: `executor-${request.stage}`,
    version: 1,
    criteria: [],
    fingerprint: request.fingerprint,
    attemptHistory: [],
    logTail: request.logTail,
    files: request.files,
    memoSections: [],
    earlierPatches: [],
    diagnostics: [],
    safety: request.safety ?? {
      protectedPaths: [],
      secretGlobs: [],
      maxFiles: DEFAULT_MAX_FILES,
      maxChangedLines: DEFAULT_MAX_CHANGED_LINES,
      allowedDiagnostics: [],
    },
    tokenBudget: options.tokenBudget,
  };
  let caseFile = buildCaseFile(input).markdown;
  if (options.audience === "agent") {
    const cut = caseFile.indexOf(ANSWER_HEADING);
    caseFile = `${cut === -1 ? caseFile : caseFile.slice(0, cut)}\n${AGENT_TASK}`;
  }
  const instructions = request.instructions.trim();
  const text = instructions === "" ? caseFile : `${instructions}\n\n---\n\n${caseFile}`;
  return options.redactor.redact(text);
}

const AGENT_TASK = [
  "## Your task",
  "",
  `You are working in a git worktree of the homelab repository (your current folder). Make the smallest change to the files that removes the cause of the failure above, and nothing else: no commits, no new top-level folders, no protected or secret files. The orchestrator takes your edits back as a diff, checks them against the safety rules and commits them. If no safe file change can fix it, change nothing. End with one short paragraph saying what you changed and why, or why you changed nothing.`,
].join("\n");

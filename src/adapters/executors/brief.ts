import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildCaseFile, type CaseFileContent, type CaseFileInput } from "../../core/case-file/index.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import type { ExecutorRequest } from "./types.ts";

/** A file larger than this says too little per token to go into a small brief. */
const MAX_BRIEF_FILE_BYTES = 64 * 1024;
const ANSWER_HEADING = "\n## How to answer";

export interface BriefOptions {
  tokenBudget: number;
  redactor: Pick<Redactor, "redact">;
  /** `agent`: it edits files itself; `diff`: it answers with the escalation answer's JSON. */
  audience: "agent" | "diff";
}

/** The relevant files' text, read from the worktree; symlinks and big files are left out. */
export async function readRelevantFiles(request: ExecutorRequest): Promise<CaseFileContent[]> {
  const files: CaseFileContent[] = [];
  for (const path of request.relevantFiles) {
    const absolute = join(request.worktree, path);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info?.isFile() || info.size > MAX_BRIEF_FILE_BYTES) {
      continue;
    }
    files.push({ path, content: await readFile(absolute, "utf8"), reason: "matches the stage's files" });
  }
  return files;
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
    files: await readRelevantFiles(request),
    memoSections: [],
    earlierPatches: [],
    diagnostics: [],
    safety: request.safety ?? {
      protectedPaths: [],
      secretGlobs: [],
      maxFiles: 5,
      maxChangedLines: 80,
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

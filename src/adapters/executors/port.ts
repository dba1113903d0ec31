import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContextMap, Settings } from "../../config/index.ts";
import type { ExecutorNotes, ExecutorPort, FixRequest } from "../../core/fixers/index.ts";
import { SEED_PROTECTED_PATHS } from "../../core/patch-guard/index.ts";
import { EXECUTOR_INSTRUCTIONS_FILE, stageLogDir } from "../../core/repo-layout/index.ts";
import { readStageFiles } from "../case-context/index.ts";
import type { LandPatchDeps } from "../side-branch/index.ts";
import { readIfExists } from "../state-store/index.ts";
import { runExecutorFix } from "./run-fix.ts";
import type { Executor, ExecutorRequest } from "./types.ts";

export interface ExecutorPortDeps {
  /** The homelab repo (where `ai/` is). */
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  land: LandPatchDeps;
  signal?: AbortSignal;
}

/** Bytes of stage files an executor brief may quote; the brief's token budget trims further. */
const BRIEF_FILE_BUDGET_BYTES = 256 * 1024;
const BRIEF_MAX_FILE_BYTES = 64 * 1024;

/**
 * The loop's executor port: builds the executor's request from the failed run, runs it, and
 * lands its change through the one patch path. Returns what it did; it counts nothing itself.
 */
export function executorPort(executor: Executor, deps: ExecutorPortDeps): ExecutorPort {
  return {
    name: executor.kind,
    async run(request: FixRequest) {
      const executorRequest = await buildExecutorRequest(deps, request);
      const { outcome, report } = await runExecutorFix(executor, executorRequest, deps.land);
      const notes: ExecutorNotes = { summary: report.summary, filesOpened: report.filesOpened };
      await saveNotes(executorRequest.logDir, notes);
      return { outcome, notes, apiRequests: report.apiRequests ?? 0 };
    },
  };
}

/** Notes go beside the stage's logs for a human too; the loop keeps them for the next case file. */
async function saveNotes(logDir: string, notes: ExecutorNotes): Promise<void> {
  await mkdir(logDir, { recursive: true });
  await writeFile(join(logDir, "executor_notes.json"), `${JSON.stringify(notes, null, 2)}\n`);
}

export async function buildExecutorRequest(
  deps: ExecutorPortDeps,
  request: FixRequest,
): Promise<ExecutorRequest> {
  const spec = deps.contextMap.stages[request.stage];
  const worktree = deps.land.sideBranch.worktree;
  // The human's current instructions win over the copy on the AI branch.
  const instructions =
    (await readIfExists(join(deps.repoRoot, EXECUTOR_INSTRUCTIONS_FILE))) ??
    (await readIfExists(join(worktree, EXECUTOR_INSTRUCTIONS_FILE))) ??
    "";
  const { files } = await readStageFiles(
    worktree,
    spec?.files ?? [],
    deps.contextMap.secrets,
    request.logTail,
    {
      maxFileBytes: BRIEF_MAX_FILE_BYTES,
      totalBytes: BRIEF_FILE_BUDGET_BYTES,
    },
  );
  return {
    stage: request.stage,
    fingerprint: {
      template: request.fingerprint.template,
      exact: request.fingerprint.exact,
      lines: request.fingerprint.lines,
    },
    logTail: request.logTail,
    relevantFiles: files.map((file) => file.path),
    files,
    instructions,
    worktree,
    worktreeGit: (args) => deps.land.sideBranch.worktreeGit(args),
    logDir: join(deps.repoRoot, stageLogDir(request.stage)),
    timeoutMs: deps.settings.executorTimeoutMs,
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    ...(spec?.description === undefined ? {} : { goal: spec.description }),
    safety: {
      protectedPaths: [...SEED_PROTECTED_PATHS, ...deps.contextMap.protected],
      secretGlobs: deps.contextMap.secrets,
      maxFiles: deps.settings.patchMaxFiles,
      maxChangedLines: deps.settings.patchMaxLines,
      allowedDiagnostics: spec?.diagnostics ?? [],
    },
  };
}

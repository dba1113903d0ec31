import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GuardRules } from "../../core/patch-guard/index.ts";
import type { FixResult } from "../../reconcile/context.ts";
import { git } from "../git/index.ts";
import { recordPatchVerdict, type SideBranch } from "../side-branch/index.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export interface RunExecutorFixOptions {
  sideBranch: SideBranch;
  rules: GuardRules;
  repoRoot: string;
  meta?: { caseId?: string };
  /** Told what the executor reported (summary, files opened), whatever became of its change. */
  onReport?: (report: ExecutorReport) => void;
}

/** `20261125-170000`, UTC: sortable and safe in file names. */
export function fileStamp(at = new Date()): string {
  return at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/**
 * Runs one executor and turns what it did into the loop's `FixResult`. The change is taken back
 * as a diff (or taken as given, when the executor answered with one), passes the patch guard via
 * `sideBranch.apply` and lands as one commit with `Source: <kind>`. A refused change is undone
 * and recorded under `ai/patches/<stage>/`; no diff is `no_change`.
 *
 * Stage leftovers: a stage may leave untracked (not ignored) files or edits in the worktree. They
 * are saved to `ai/logs/<stage>/stage-leftovers_<ts>.diff` and discarded BEFORE the executor
 * starts, so the harvested diff holds the executor's changes only and a stage's generated files
 * never end up in an AI commit. Ignored files (rendered configs, secrets) are left alone.
 */
export async function runExecutorFix(
  executor: Executor,
  request: ExecutorRequest,
  options: RunExecutorFixOptions,
): Promise<FixResult> {
  const { sideBranch } = options;
  const leftovers = await sideBranch.harvest();
  if (leftovers.trim() !== "") {
    await mkdir(request.logDir, { recursive: true });
    await writeFile(join(request.logDir, `stage-leftovers_${fileStamp()}.diff`), leftovers);
    await sideBranch.discardChanges();
  }

  const tipBefore = await sideBranch.headCommit();
  let report: ExecutorReport;
  try {
    report = await executor.run(request);
  } catch (error) {
    await undoAgentCommits(sideBranch, tipBefore);
    await sideBranch.discardChanges();
    throw error;
  }
  await undoAgentCommits(sideBranch, tipBefore);
  options.onReport?.(report);
  if (report.outcome === "failed") {
    await sideBranch.discardChanges();
    return { kind: "failed", reason: `${executor.kind}: ${report.summary}` };
  }

  let diff = report.diff;
  if (diff === undefined) {
    diff = await sideBranch.harvest();
    // apply() wants a clean worktree: the change goes back in through the guard or not at all.
    await sideBranch.discardChanges();
  }
  if (diff.trim() === "") {
    return { kind: "no_change", summary: `${executor.kind}: ${report.summary}` };
  }

  const meta = {
    stage: request.stage,
    summary: report.summary,
    fingerprint: request.fingerprint.template,
    source: executor.kind,
    ...(options.meta?.caseId === undefined ? {} : { caseId: options.meta.caseId }),
  };
  const applied = await sideBranch.apply(diff, meta, options.rules);
  await recordPatchVerdict(options.repoRoot, request.stage, diff, applied, meta);
  if (applied.status === "refused") {
    return { kind: "refused", reasons: applied.reasons };
  }
  return {
    kind: "patched",
    commit: applied.commit,
    source: executor.kind,
    summary: report.summary,
    files: applied.files,
  };
}

/**
 * An agent that commits by itself (Aider does unless told not to) would move the branch past the
 * guard. Its commits are unwound with their changes kept in the worktree, so they are harvested
 * and judged like any other edit.
 */
async function undoAgentCommits(sideBranch: SideBranch, tipBefore: string): Promise<void> {
  const head = (await git(["rev-parse", "HEAD"], { cwd: sideBranch.worktree })).stdout.trim();
  if (head !== tipBefore) {
    await git(["reset", "--quiet", "--mixed", tipBefore], { cwd: sideBranch.worktree });
  }
}

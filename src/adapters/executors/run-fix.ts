import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FixOutcome } from "../../core/fixers/index.ts";
import { fileStamp } from "../../core/repo-layout/index.ts";
import { type LandPatchDeps, landPatch, type SideBranch } from "../side-branch/index.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export type RunExecutorFixOptions = LandPatchDeps & {
  meta?: { caseId?: string };
};

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
): Promise<{ outcome: FixOutcome; report: ExecutorReport }> {
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
  if (report.outcome === "failed") {
    await sideBranch.discardChanges();
    return { outcome: { kind: "failed", reason: `${executor.kind}: ${report.summary}` }, report };
  }

  let diff = report.diff;
  if (diff === undefined) {
    diff = await sideBranch.harvest();
    // apply() wants a clean worktree: the change goes back in through the guard or not at all.
    await sideBranch.discardChanges();
  }
  if (diff.trim() === "") {
    return { outcome: { kind: "no_change", summary: `${executor.kind}: ${report.summary}` }, report };
  }

  const meta = {
    stage: request.stage,
    summary: report.summary,
    fingerprint: request.fingerprint.template,
    source: executor.kind,
    ...(options.meta?.caseId === undefined ? {} : { caseId: options.meta.caseId }),
  };
  const landed = await landPatch(options, diff, meta);
  if (landed.status === "refused") {
    return { outcome: { kind: "refused", reasons: landed.reasons }, report };
  }
  const outcome: FixOutcome = {
    kind: "patched",
    commit: landed.commit,
    source: executor.kind,
    summary: report.summary,
    files: landed.files,
    ...(landed.switchOffs === undefined ? {} : { switchOffs: landed.switchOffs }),
  };
  return { outcome, report };
}

/**
 * An agent that commits by itself (Aider does unless told not to) would move the branch past the
 * guard. Its commits are unwound with their changes kept in the worktree, so they are harvested
 * and judged like any other edit.
 */
async function undoAgentCommits(sideBranch: SideBranch, tipBefore: string): Promise<void> {
  const head = (await sideBranch.worktreeGit(["rev-parse", "HEAD"])).stdout.trim();
  if (head !== tipBefore) {
    await sideBranch.worktreeGit(["reset", "--quiet", "--mixed", tipBefore]);
  }
}

/**
 * Re-running what a fix feeds. A stage's last green run saw its `files:` as they were then; when
 * they change on the AI branch (a fix for a later stage edited a Talos patch the later stage
 * needs, or the human's own commits arrived), its checks may still pass while the change never
 * reached the cluster. Such a stage is run again, not skipped.
 */
import { neededStages, stageFilesIn } from "../core/patch-guard/stage-scope.ts";
import type { RunContext, StageOutcome } from "./context.ts";

/**
 * The stage's files that changed since its last green run; undefined when that cannot be told
 * (never green on record, no `files:`, or git no longer knows the commit).
 */
export async function filesChangedSinceGreen(
  ctx: RunContext,
  stage: string,
): Promise<{ since: string; files: string[] } | undefined> {
  const spec = ctx.contextMap.stages[stage];
  const since = (await ctx.state.stageErrors(stage)).lastGreenCommit;
  if (!spec || spec.files.length === 0 || since === undefined) {
    return undefined;
  }
  const changed = await ctx.workspace.changedSince(since);
  return changed === undefined ? undefined : { since, files: stageFilesIn(spec.files, changed) };
}

/**
 * Before `stage` runs again after a fix: every green stage it needs (in the context map's order)
 * whose files changed since its own green run runs first, so the change reaches what it feeds.
 * Returns the outcome of the first one that did not turn green, or undefined when all did.
 * `converge` is convergeStage, passed in to keep the two modules free of an import cycle.
 */
export async function rerunFedStages(
  ctx: RunContext,
  stage: string,
  converge: (ctx: RunContext, stage: string) => Promise<StageOutcome>,
): Promise<StageOutcome | undefined> {
  for (const needed of neededStages(ctx.contextMap.stages, stage)) {
    if (!ctx.contextMap.stages[needed]?.command) {
      continue;
    }
    if ((await ctx.state.stageStatuses())[needed]?.status !== "green") {
      continue; // not green: nothing claims the old files reached it
    }
    const changed = await filesChangedSinceGreen(ctx, needed);
    if (!changed || changed.files.length === 0) {
      continue;
    }
    ctx.reporter.note(
      needed,
      `a fix for ${stage} changed its files (${changed.files.join(", ")}): running ${needed} again before ${stage}`,
    );
    await ctx.state.journal({ type: "stage_files_changed", stage: needed, ...changed, for: stage });
    const outcome = await converge(ctx, needed);
    if (outcome.status !== "green") {
      return outcome;
    }
  }
  return undefined;
}

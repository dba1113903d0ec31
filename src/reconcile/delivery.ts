/**
 * A fix Flux must pull is not in effect until it is merged into the branch Flux syncs. After such
 * a patch lands, the stage does not run again (and so spends no executor run or model call)
 * until the pull request is merged: under `auto` the forge merged it already; under `propose` the
 * loop waits for the human, bounded, and then gives up saying exactly which pull request to merge.
 */
import type { RunContext, StageOutcome } from "./context.ts";
import { giveUp } from "./give-up.ts";
import type { PendingPatch } from "./patch-fate.ts";

/** undefined: go on with the next run; an outcome: the stage stops here. */
export async function awaitDelivery(
  ctx: RunContext,
  stage: string,
  pending: PendingPatch,
  run: number,
): Promise<StageOutcome | undefined> {
  const delivery = ctx.delivery;
  if (!delivery) {
    return undefined;
  }
  const state = await delivery.deliver({ stage, commit: pending.commit, summary: `fix for ${stage}` });
  if (state.status === "not_needed") {
    return undefined;
  }
  const { pull, url, approval } = state;
  await ctx.state.journal({ type: "delivery_proposed", stage, commit: pending.commit, pull, url, approval });
  if (state.status === "merged") {
    await ctx.state.journal({ type: "delivery_merged", stage, pull, url, by: "orchestrator" });
    ctx.reporter.note(stage, `merged pull request #${pull} (${url}); running the stage again`);
    return undefined;
  }
  ctx.reporter.note(stage, `waiting for a human to merge pull request #${pull} (${url})`);
  const polls = Math.max(1, Math.ceil(delivery.waitForMergeMs / Math.max(1, delivery.pollMs)));
  // One look now and one after each sleep, the last when the wait is over: a merge made during
  // the final interval is seen, not given up on.
  for (let poll = 0; poll <= polls && !ctx.signal.aborted; poll++) {
    if (await delivery.merged(pull)) {
      await ctx.state.journal({ type: "delivery_merged", stage, pull, url, by: "human" });
      ctx.reporter.note(stage, `pull request #${pull} was merged; running the stage again`);
      return undefined;
    }
    if (poll < polls) {
      await ctx.sleep(delivery.pollMs, ctx.signal);
    }
  }
  if (ctx.signal.aborted) {
    return { stage, status: "interrupted", reason: "interrupted while waiting for a merge", runs: run };
  }
  const reason = `the fix is ready in pull request #${pull} (${url}) and only a merge is missing: merge it into the branch Flux syncs, then run "orchestrator ${stage} --reset"`;
  return giveUp(ctx, stage, reason, pending.fingerprint, run, undefined, { quoteCause: false });
}

import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import { demote } from "./act.ts";
import type { RunContext } from "./context.ts";

/** A patch waiting for the next run to show whether it helped. */
export interface PendingPatch {
  commit: string;
  fingerprint: ErrorFingerprint;
  source: string;
  /** Set when the patch is a remembered fix replayed. */
  fixId?: string;
  /** What the patch does, as its source said. */
  summary?: string;
  /** What it switches off (the guard's reasons): it is proposed to a human, never run unapproved. */
  switchOffs?: string[];
}

/** The run after a patch decides its fate: the same error back means it did not help. */
export async function settlePatch(
  ctx: RunContext,
  stage: string,
  pending: PendingPatch,
  now: ErrorFingerprint,
): Promise<"kept" | "reverted"> {
  if (now.template === pending.fingerprint.template) {
    const reason = "tried, did not help: the same error came back";
    await revertPending(ctx, stage, pending, reason);
    if (pending.fixId) {
      await demote(ctx, stage, pending.fixId, reason);
    }
    return "reverted";
  }
  await ctx.state.journal({
    type: "patch_kept",
    stage,
    commit: pending.commit,
    reason: `a different error followed (${now.template}); the patch stays`,
  });
  return "kept";
}

/** The loop undoes a patch of its own: the revert commit, the journal and the terminal say why. */
export async function revertPending(
  ctx: RunContext,
  stage: string,
  pending: PendingPatch,
  reason: string,
): Promise<void> {
  const revert = await ctx.workspace.revert(pending.commit, reason);
  await ctx.state.journal({
    type: "patch_reverted",
    stage,
    commit: pending.commit,
    revert,
    source: pending.source,
    reason,
    by: "loop",
  });
  ctx.reporter.note(stage, `reverted ${pending.commit.slice(0, 10)}: ${reason}`);
}

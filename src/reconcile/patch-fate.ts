import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import type { EscalationResult, FixResult, RunContext } from "./context.ts";

/** A patch waiting for the next run to show whether it helped. */
export interface PendingPatch {
  commit: string;
  fingerprint: ErrorFingerprint;
  source: string;
  /** Set when the patch is a remembered fix replayed. */
  fixId?: string;
}

/** Says what became of a fix attempt; a committed patch becomes the pending one. */
export function pendingPatchOf(
  ctx: RunContext,
  stage: string,
  fix: FixResult | EscalationResult,
  fingerprint: ErrorFingerprint,
): PendingPatch | undefined {
  ctx.reporter.note(stage, describeFix(fix));
  if (fix.kind === "patched") {
    return { commit: fix.commit, fingerprint, source: fix.source };
  }
  return undefined;
}

export function describeFix(fix: FixResult | EscalationResult): string {
  switch (fix.kind) {
    case "patched":
      return `${fix.source} committed ${fix.commit.slice(0, 10)}: ${fix.summary}`;
    case "no_change":
      return `no change: ${fix.summary}`;
    case "refused":
      return `the change was refused: ${fix.reasons.join("; ")}`;
    case "failed":
      return `the fix attempt failed: ${fix.reason}`;
    case "give_up":
      return `gave up: ${fix.reason}`;
  }
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
    const revert = await ctx.workspace.revert(pending.commit, reason);
    await ctx.state.journal({
      type: "patch_reverted",
      stage,
      commit: pending.commit,
      revert,
      source: pending.source,
      reason,
    });
    ctx.reporter.note(stage, `reverted ${pending.commit.slice(0, 10)}: ${reason}`);
    if (pending.fixId) {
      await ctx.fixers.demoteFix?.(pending.fixId);
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

import type { StageStatusEntry } from "../adapters/state-store/index.ts";
import type { Proposal } from "../core/policy/proposal.ts";
import { isoStamp } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import type { RunContext, StageOutcome } from "./context.ts";
import { convergeStage } from "./stage.ts";

/**
 * `orchestrator approve ID`: the stage runs with the proposed fix, and the fix is verified as
 * any other: green remembers it, the same error back reverts it, another error keeps it and
 * the episode goes on.
 */
export async function approveProposal(ctx: RunContext, id: string): Promise<StageOutcome> {
  const proposal = await awaitingProposal(ctx, id);
  await ctx.proposals.decide(proposal.id, "approved");
  await ctx.state.journal({
    type: "fix_approved",
    stage: proposal.stage,
    id: proposal.id,
    commit: proposal.commit,
  });
  ctx.reporter.note(
    proposal.stage,
    `approved ${proposal.id}: running the stage with ${proposal.commit.slice(0, 10)}`,
  );
  return convergeStage(ctx, proposal.stage, {
    approved: {
      commit: proposal.commit,
      // The fate of a patch is decided by its error's template; the lines are not kept.
      fingerprint: { ...proposal.fingerprint, lines: [], templates: [] },
      source: proposal.source,
      summary: proposal.summary,
      ...(proposal.fixId === undefined ? {} : { fixId: proposal.fixId }),
    },
  });
}

/**
 * `orchestrator reject ID`: the proposed fix is reverted on the AI branch and remembered as
 * rejected for its error, so it is never proposed or replayed for that error again. The stage
 * is left failed: its next run looks for another fix. A proposal whose commit the AI branch no
 * longer has (dropped when the branch was rebuilt on the user's newer commits) has nothing to
 * revert: it is only marked rejected, and `revert` is undefined.
 */
export async function rejectProposal(
  ctx: RunContext,
  id: string,
): Promise<{ proposal: Proposal; revert: string | undefined }> {
  const proposal = await awaitingProposal(ctx, id);
  const { stage, commit } = proposal;
  const reason = `rejected by a human (proposal ${proposal.id})`;
  const revert = (await ctx.workspace.holds(commit)) ? await ctx.workspace.revert(commit, reason) : undefined;
  await ctx.proposals.decide(proposal.id, "rejected");
  if (revert !== undefined) {
    await ctx.state.journal({
      type: "patch_reverted",
      stage,
      commit,
      revert,
      reason,
      by: "human",
      source: proposal.source,
    });
  }
  await ctx.state.journal({
    type: "fix_rejected",
    stage,
    id: proposal.id,
    commit,
    fingerprint: proposal.fingerprint.template,
  });
  const current = (await ctx.state.stageStatuses())[stage];
  const { proposalId: _answered, ...rest }: Partial<StageStatusEntry> = current ?? {};
  await ctx.state.setStageStatus(stage, {
    ...rest,
    status: "failed",
    since: isoStamp(),
    reason:
      revert === undefined
        ? `fix ${commit.slice(0, 10)} was rejected (the AI branch had already dropped it); the next run looks for another fix`
        : `fix ${commit.slice(0, 10)} was rejected and reverted; the next run looks for another fix`,
  });
  return { proposal, revert };
}

async function awaitingProposal(ctx: RunContext, id: string): Promise<Proposal> {
  const proposal = await ctx.proposals.get(id);
  if (!proposal) {
    const waiting = (await ctx.proposals.awaiting()).map((entry) => entry.id);
    throw new UserError(
      `no proposal "${id}"${waiting.length > 0 ? `; awaiting approval: ${waiting.join(", ")}` : "; none awaits approval"}`,
    );
  }
  if (proposal.status !== "awaiting") {
    throw new UserError(
      `proposal ${proposal.id} was already ${proposal.status} (${proposal.decidedAt ?? "earlier"})`,
    );
  }
  return proposal;
}

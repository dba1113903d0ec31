import { approvalFor } from "../core/policy/approval.ts";
import { switchOffNote } from "../core/policy/plan.ts";
import type { Proposal } from "../core/policy/proposal.ts";
import { isoStamp } from "../core/repo-layout/index.ts";
import type { DecidedStep, StepResult } from "./act.ts";
import type { RunContext } from "./context.ts";
import { type PendingPatch, revertPending } from "./patch-fate.ts";

/**
 * What becomes of a fix that just landed on the AI branch, before the stage runs with it:
 * - one a human already rejected for this error is reverted at once (never offered again);
 * - with its source's approval mode `auto` it is run (the loop goes on, as it always did);
 * - with `propose` it is recorded as a proposal and the episode ends `awaiting_approval`:
 *   the stage is not run with it until `orchestrator approve ID`;
 * - one that switches off what the stage delivers or verifies (the guard let it through only
 *   because its source is proposed for approval) is always proposed, with the reasons shown.
 */
export async function gatePatch(
  ctx: RunContext,
  step: DecidedStep,
  pending: PendingPatch | undefined,
): Promise<StepResult> {
  if (!pending) {
    return { pending: undefined };
  }
  const { stage, fingerprint } = step.request;
  const rejected = await ctx.proposals.rejectedBefore(
    stage,
    fingerprint.template,
    pending.commit,
    pending.fixId,
  );
  if (rejected !== undefined) {
    await revertPending(
      ctx,
      stage,
      pending,
      `a human rejected the same fix for this error (proposal ${rejected})`,
    );
    return { pending: undefined };
  }
  const mode = approvalFor(pending.source, ctx.settings.approval, ctx.contextMap.stages[stage]?.approval);
  const switchOffs =
    pending.switchOffs && pending.switchOffs.length > 0
      ? await Promise.all(pending.switchOffs.map((reason) => ctx.redact(reason)))
      : undefined;
  if (mode === "auto" && switchOffs === undefined) {
    return { pending };
  }
  const proposal = await ctx.proposals.propose({
    stage,
    commit: pending.commit,
    source: pending.source,
    fingerprint: { template: fingerprint.template, exact: fingerprint.exact },
    summary: await ctx.redact(pending.summary ?? ""),
    ...(pending.fixId === undefined ? {} : { fixId: pending.fixId }),
    ...(switchOffs === undefined ? {} : { switchOffs }),
  });
  await ctx.state.journal({
    type: "fix_proposed",
    stage,
    id: proposal.id,
    commit: pending.commit,
    source: pending.source,
    fingerprint: fingerprint.template,
    ...(pending.fixId === undefined ? {} : { fixId: pending.fixId }),
    ...(switchOffs === undefined ? {} : { switchOffs }),
  });
  const reason = awaitingReason(proposal);
  const current = (await ctx.state.stageStatuses())[stage];
  await ctx.state.setStageStatus(stage, {
    ...(current ?? {}),
    status: "awaiting_approval",
    since: isoStamp(),
    reason,
    proposalId: proposal.id,
  });
  ctx.reporter.note(stage, `proposed: ${reason}`);
  return { outcome: { stage, status: "awaiting_approval", reason, runs: step.run } };
}

/** What a stage awaiting approval waits for, and the two commands that end the wait. */
export function awaitingReason(proposal: Pick<Proposal, "id" | "commit" | "source" | "switchOffs">): string {
  return `fix ${proposal.commit.slice(0, 10)} (source: ${proposal.source}) awaits approval: "orchestrator approve ${proposal.id}" runs the stage with it, "orchestrator reject ${proposal.id}" reverts it${switchOffNote(proposal.switchOffs)}`;
}

import { type Action, backoff } from "../core/policy/index.ts";
import type { EscalationResult, FixRequest, FixResult, RunContext, StageOutcome } from "./context.ts";
import { giveUp } from "./give-up.ts";
import { describeFix, type PendingPatch, pendingPatchOf } from "./patch-fate.ts";

/** One failed run's decision, and what acting on it needs. */
export interface DecidedStep {
  run: number;
  /** The policy's action, or give_up when the episode's bound ended it. */
  action: Action;
  request: FixRequest;
}

/** Either the loop goes on (maybe with a patch to verify on the next run), or the stage ends here. */
export type StepResult = { pending: PendingPatch | undefined } | { outcome: StageOutcome };

/** Acts once on the decision: wait, fix, replay, escalate or give up. */
export async function act(ctx: RunContext, step: DecidedStep): Promise<StepResult> {
  const { action, request, run } = step;
  const { stage, fingerprint, errors } = request;
  const { fixers, settings, state } = ctx;
  switch (action.kind) {
    case "done":
    case "stop":
      return { outcome: { stage, status: "interrupted", reason: action.reason, runs: run } };
    case "retry":
      await waitBeforeRetry(ctx, stage, action.afterMs);
      return { pending: undefined };
    case "executor": {
      errors.executorRuns += 1;
      const fix: FixResult = fixers.runExecutor
        ? await fixers.runExecutor(request)
        : { kind: "failed", reason: "no executor is configured" };
      await state.setStageErrors(stage, errors);
      const pending = pendingPatchOf(ctx, stage, fix, fingerprint);
      if (!pending) {
        await waitBeforeRetry(ctx, stage, backoff(errors.attempts[fingerprint.template] ?? 1, settings));
      }
      return { pending };
    }
    case "replay_fix": {
      errors.triedFixes = [...errors.triedFixes, action.fixId];
      await state.setStageErrors(stage, errors);
      const fix: FixResult = fixers.replayFix
        ? await fixers.replayFix(action.fixId, request)
        : { kind: "failed", reason: "fix memory is not available" };
      const pending = pendingPatchOf(ctx, stage, fix, fingerprint);
      if (pending) {
        pending.fixId = action.fixId;
      } else {
        await fixers.demoteFix?.(action.fixId);
      }
      return { pending };
    }
    case "escalate":
      return escalate(ctx, step);
    case "give_up": {
      const escalated =
        errors.escalation?.fingerprint === fingerprint.template ? errors.escalation.dir : undefined;
      const caseDir = fixers.apiConfigured ? escalated : await fixers.writeCaseFileOnly?.(request);
      return { outcome: await giveUp(ctx, stage, action.reason, fingerprint, run, caseDir) };
    }
  }
}

async function escalate(ctx: RunContext, step: DecidedStep): Promise<StepResult> {
  const { request, run } = step;
  const { stage, fingerprint, errors } = request;
  const { fixers, state } = ctx;
  if (!fixers.escalate) {
    return {
      outcome: await giveUp(
        ctx,
        stage,
        "escalation is not available in this build",
        fingerprint,
        run,
        undefined,
      ),
    };
  }
  const used = errors.apiCalls[fingerprint.template] ?? 0;
  let result: EscalationResult;
  try {
    result = await fixers.escalate(request, ctx.settings.apiCallBudget - used);
  } finally {
    // the escalation counted its calls in `errors` as it made them
    await state.setStageErrors(stage, errors);
  }
  if (ctx.signal.aborted) {
    return { outcome: { stage, status: "interrupted", reason: "interrupted during escalation", runs: run } };
  }
  if (result.kind === "give_up") {
    errors.modelGaveUp = { fingerprint: fingerprint.template, reason: result.reason };
  }
  await state.setStageErrors(stage, errors);
  if (result.kind === "give_up") {
    const reason = `the model gave up: ${result.reason}`;
    return { outcome: await giveUp(ctx, stage, reason, fingerprint, run, result.caseDir) };
  }
  const pending = pendingPatchOf(ctx, stage, result, fingerprint);
  if (pending) {
    return { pending };
  }
  const spent = errors.apiCalls[fingerprint.template] ?? 0;
  const reason = `escalation ended without a usable patch after ${spent} API call${spent === 1 ? "" : "s"}: ${describeFix(result)}`;
  return { outcome: await giveUp(ctx, stage, reason, fingerprint, run, result.caseDir) };
}

async function waitBeforeRetry(ctx: RunContext, stage: string, ms: number): Promise<void> {
  if (ms <= 0) {
    return;
  }
  ctx.reporter.note(stage, `waiting ${Math.round(ms / 1000)}s before the next run`);
  await ctx.state.journal({ type: "retry_wait", stage, ms });
  await ctx.sleep(ms, ctx.signal);
}

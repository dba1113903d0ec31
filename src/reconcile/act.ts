import type { StageErrors } from "../adapters/state-store/index.ts";
import { type CaseRef, describeFixOutcome, type FixOutcome, type FixRequest } from "../core/fixers/index.ts";
import { type Action, backoff } from "../core/policy/index.ts";
import type { RunContext, StageOutcome } from "./context.ts";
import { giveUp } from "./give-up.ts";
import type { PendingPatch } from "./patch-fate.ts";
import { gatePatch } from "./propose.ts";

/** One failed run's decision, and what acting on it needs. */
export interface DecidedStep {
  run: number;
  /** The policy's action, or give_up when the episode's bound ended it. */
  action: Action;
  /** The stage's error record; acting updates its counts and saves it. */
  errors: StageErrors;
  request: FixRequest;
}

/** Either the loop goes on (maybe with a patch to verify on the next run), or the stage ends here. */
export type StepResult = { pending: PendingPatch | undefined } | { outcome: StageOutcome };

/** Acts once on the decision: wait, fix, replay, escalate or give up. The loop does every count. */
export async function act(ctx: RunContext, step: DecidedStep): Promise<StepResult> {
  const { action, request, run, errors } = step;
  const { stage, fingerprint } = request;
  const { fixers, settings, state } = ctx;
  switch (action.kind) {
    case "done":
    case "stop":
      return { outcome: { stage, status: "interrupted", reason: action.reason, runs: run } };
    case "retry":
      await waitBeforeRetry(ctx, stage, action.afterMs);
      return { pending: undefined };
    case "executor": {
      const executor = fixers.executor;
      errors.executorRuns += 1;
      await state.setStageErrors(stage, errors);
      const done = executor
        ? await executor.run(request)
        : {
            outcome: { kind: "failed", reason: "no executor is configured" } as FixOutcome,
            notes: undefined,
            apiRequests: 0,
          };
      if (done.notes) {
        errors.executorNotes = done.notes;
        await state.setStageErrors(stage, errors);
      }
      await state.journal({
        type: "executor_run",
        stage,
        executor: executor?.name ?? "none",
        outcome: done.outcome.kind,
        summary: describeFixOutcome(done.outcome),
        apiRequests: done.apiRequests,
      });
      const gated = await gatePatch(ctx, step, pendingPatchOf(ctx, stage, done.outcome, request));
      if ("outcome" in gated) {
        return gated;
      }
      const { pending } = gated;
      if (!pending) {
        await waitBeforeRetry(ctx, stage, backoff(errors.attempts[fingerprint.template] ?? 1, settings));
      }
      return { pending };
    }
    case "replay_fix": {
      errors.triedFixes = [...errors.triedFixes, action.fixId];
      await state.setStageErrors(stage, errors);
      const outcome = await fixers.memory.replay(action.fixId, request);
      await state.journal({
        type: "fix_replayed",
        stage,
        fixId: action.fixId,
        outcome: outcome.kind,
        summary: describeFixOutcome(outcome),
      });
      const replayed = pendingPatchOf(ctx, stage, outcome, request);
      if (!replayed) {
        await demote(ctx, stage, action.fixId, `the replay made no change: ${describeFixOutcome(outcome)}`);
        return { pending: undefined };
      }
      replayed.fixId = action.fixId;
      return gatePatch(ctx, step, replayed);
    }
    case "escalate":
      return escalate(ctx, step);
    case "give_up": {
      const escalated =
        errors.escalation?.fingerprint === fingerprint.template ? errors.escalation : undefined;
      const caseRef = fixers.escalator.configured ? escalated : await fixers.escalator.writeCaseFile(request);
      if (caseRef && !fixers.escalator.configured) {
        await state.journal({ type: "case_file_written", stage, caseDir: caseRef.dir });
      }
      return { outcome: await giveUp(ctx, stage, action.reason, fingerprint, run, caseRef?.dir) };
    }
  }
}

async function escalate(ctx: RunContext, step: DecidedStep): Promise<StepResult> {
  const { request, run, errors } = step;
  const { stage, fingerprint } = request;
  const { template } = fingerprint;
  const { fixers, state } = ctx;
  const used = errors.apiCalls[template] ?? 0;
  const previous = errors.escalation?.fingerprint === template ? errors.escalation : undefined;
  const { outcome, case: caseRef } = await fixers.escalator.escalate(
    request,
    { remainingCalls: ctx.settings.apiCallBudget - used, previousCase: previous },
    async (call) => {
      errors.apiCalls[template] = (errors.apiCalls[template] ?? 0) + call.requests;
      errors.apiCallsTotal += call.requests;
      errors.tokens = {
        input: errors.tokens.input + call.usage.inputTokens,
        output: errors.tokens.output + call.usage.outputTokens,
      };
      await state.setStageErrors(stage, errors);
      await state.journal({ type: "api_call", stage, ...call });
    },
  );
  errors.escalation = { ...caseRef, fingerprint: template };
  if (outcome.kind === "give_up") {
    errors.modelGaveUp = { fingerprint: template, reason: outcome.reason };
  }
  await state.setStageErrors(stage, errors);
  if (ctx.signal.aborted) {
    return { outcome: { stage, status: "interrupted", reason: "interrupted during escalation", runs: run } };
  }
  if (outcome.kind === "patched") {
    return gatePatch(ctx, step, pendingPatchOf(ctx, stage, outcome, request));
  }
  ctx.reporter.note(stage, describeFixOutcome(outcome));
  const spent = errors.apiCalls[template] ?? 0;
  const reason =
    outcome.kind === "give_up"
      ? `the model gave up: ${outcome.reason}`
      : `escalation ended without a usable patch after ${spent} API call${spent === 1 ? "" : "s"}: ${outcome.reason}`;
  return { outcome: await giveUp(ctx, stage, reason, fingerprint, run, caseRef.dir) };
}

/** Says what became of a fix attempt; a committed patch becomes the pending one. */
function pendingPatchOf(
  ctx: RunContext,
  stage: string,
  fix: FixOutcome,
  request: FixRequest,
): PendingPatch | undefined {
  ctx.reporter.note(stage, describeFixOutcome(fix));
  if (fix.kind !== "patched") {
    return undefined;
  }
  const { commit, source, summary, switchOffs } = fix;
  return {
    commit,
    fingerprint: request.fingerprint,
    source,
    summary,
    ...(switchOffs === undefined ? {} : { switchOffs }),
  };
}

/** A remembered fix that did not help counts one failure; journaled so `explain` can say so. */
export async function demote(ctx: RunContext, stage: string, fixId: string, reason: string): Promise<void> {
  await ctx.fixers.memory.demote(fixId);
  await ctx.state.journal({ type: "fix_demoted", stage, fixId, reason });
}

async function waitBeforeRetry(ctx: RunContext, stage: string, ms: number): Promise<void> {
  if (ms <= 0) {
    return;
  }
  ctx.reporter.note(stage, `waiting ${Math.round(ms / 1000)}s before the next run`);
  await ctx.state.journal({ type: "retry_wait", stage, ms });
  await ctx.sleep(ms, ctx.signal);
}

export type { CaseRef };

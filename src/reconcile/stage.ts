import { hostname } from "node:os";
import { join } from "node:path";
import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import { newStageErrors, type StageErrors, type StageStatusEntry } from "../adapters/state-store/index.ts";
import { stageSpecOf } from "../config/context-map.ts";
import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import type { FixRequest } from "../core/fixers/index.ts";
import { decide } from "../core/policy/index.ts";
import { withoutToolCredentials } from "../core/redaction/secret-env.ts";
import { isoStamp } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import { act, type DecidedStep } from "./act.ts";
import type { RunContext, StageOutcome } from "./context.ts";
import { awaitDelivery } from "./delivery.ts";
import { rerunFedStages } from "./feeds.ts";
import { lazyFingerprinter } from "./fingerprinter.ts";
import { EX_CONFIG, stopForHuman } from "./give-up.ts";
import { type PendingPatch, settlePatch } from "./patch-fate.ts";
import { awaitingReason } from "./propose.ts";
import { failedStatus, lastRunOf } from "./stage-status.ts";

export type { StageOutcome } from "./context.ts";

const HISTORY_KEPT = 100;

export { EX_CONFIG } from "./give-up.ts";

/**
 * Runs one stage until it is green or gives up. Every pass: run, fingerprint, decide, act once.
 * Bounded: an episode gets at most four times (threshold + budget + 1) runs, so a fix that keeps
 * trading one error for another still ends.
 */
export async function convergeStage(
  ctx: RunContext,
  stage: string,
  options: StartOptions = {},
): Promise<StageOutcome> {
  try {
    return await convergeStageOnce(ctx, stage, options);
  } catch (error) {
    // Whatever stopped the loop, the stage must not stay "running" under a pid that is gone.
    const statuses = await ctx.state.stageStatuses().catch(() => ({}) as Record<string, StageStatusEntry>);
    const current = statuses[stage];
    if (current?.status === "running") {
      await ctx.state.setStageStatus(stage, {
        ...current,
        status: "failed",
        since: isoStamp(),
        reason: `the run stopped on an error: ${(error as Error).message}`,
      });
    }
    throw error;
  }
}

export interface StartOptions {
  /** A proposed fix a human approved: the first run verifies it (green remembers it, the same error reverts it). */
  approved?: PendingPatch;
}

async function convergeStageOnce(
  ctx: RunContext,
  stage: string,
  options: StartOptions,
): Promise<StageOutcome> {
  const spec = stageSpecOf(ctx.contextMap, stage);
  if (!spec.command) {
    throw new UserError(`stage "${stage}" is not configured: give it a command in ai/context_map.yaml`);
  }
  const previous = (await ctx.state.stageStatuses())[stage];
  if (previous?.status === "give_up") {
    return {
      stage,
      status: "give_up",
      reason: `stage ${stage} gave up earlier (${previous.reason ?? "no reason recorded"}); fix it, then run "orchestrator ${stage} --reset"`,
      runs: 0,
    };
  }
  const waiting = options.approved ? undefined : (await ctx.proposals.awaiting(stage))[0];
  if (waiting) {
    // The proposed fix is committed but not approved: running the stage now would run it.
    return { stage, status: "awaiting_approval", reason: awaitingReason(waiting), runs: 0 };
  }
  const { settings, state, reporter } = ctx;
  let errors = await state.stageErrors(stage);
  errors.episodeStartedAt ??= isoStamp();
  const fingerprinter = lazyFingerprinter(ctx);
  const maxRuns = (settings.executorRetryThreshold + settings.apiCallBudget + 1) * 4;
  let pending: PendingPatch | undefined = options.approved;
  /** Patches a different error followed: they fixed their own error, and count as verified once green. */
  const kept: PendingPatch[] = [];

  for (let run = 1; ; run++) {
    const attempt = Object.values(errors.attempts).reduce((sum, n) => sum + n, 0) + 1;
    await state.setStageStatus(stage, {
      status: "running",
      since: isoStamp(),
      pid: process.pid,
      host: hostname(),
    });
    reporter.stageStarted(stage, attempt, spec.command);
    const result = await ctx.stages.run({
      stage,
      spec,
      attempt,
      env: stageEnv(ctx),
      signal: ctx.signal,
      onLine: (line) => reporter.line(stage, line),
    });
    reporter.stageFinished(stage, result);
    if (result.endedOrphan) {
      const { pgid, command, startedAt, endedWith } = result.endedOrphan;
      await state.journal({ type: "orphan_ended", stage, pgid, command, startedAt, signal: endedWith });
    }
    await state.journal({
      type: "stage_run",
      stage,
      attempt,
      green: result.green,
      summary: result.summary,
      logFile: result.logFile,
      durationMs: result.process.durationMs,
      checks: result.checks,
    });

    if (result.process.interrupted) {
      const reason = "interrupted by the user; the stage's processes were stopped";
      await state.setStageStatus(stage, failedStatus(result, reason, attempt));
      await state.setStageErrors(stage, errors);
      return { stage, status: "interrupted", reason: "interrupted", runs: run };
    }
    if (result.green) {
      for (const verified of pending ? [...kept, pending] : kept) {
        await state.journal({
          type: "patch_verified",
          stage,
          commit: verified.commit,
          source: verified.source,
          ...(verified.fixId === undefined ? {} : { fixId: verified.fixId }),
        });
        await ctx.fixers.memory.verified(stage, verified.fingerprint, verified.commit, verified.fixId);
      }
      errors = newStageErrors({
        // The commit the green run ran against (a stage that committed in the worktree moved the tip).
        lastGreenCommit: result.aiCommit ?? (await ctx.workspace.head()),
        executorRuns: errors.executorRuns,
        apiCallsTotal: errors.apiCallsTotal,
        tokens: errors.tokens,
        history: errors.history,
      });
      await state.setStageErrors(stage, errors);
      await state.setStageStatus(stage, {
        status: "green",
        since: isoStamp(),
        lastRun: lastRunOf(result, attempt),
      });
      await state.journal({ type: "stage_green", stage, runs: run });
      return {
        stage,
        status: "green",
        reason: "the command exited 0 and every success check passed",
        runs: run,
      };
    }

    if (result.process.exitCode === EX_CONFIG && !result.process.timedOut) {
      return stopForHuman(ctx, stage, result, attempt, run);
    }
    const { logTail, fingerprint } = await (await fingerprinter()).fingerprint(
      join(ctx.repoRoot, result.logFile),
    );
    if (pending) {
      if ((await settlePatch(ctx, stage, pending, fingerprint)) === "kept") {
        kept.push(pending);
      }
      pending = undefined;
    }
    const step = await decideStep(ctx, stage, {
      run,
      maxRuns,
      attempt,
      result,
      errors,
      logTail,
      fingerprint,
    });
    const next = await act(ctx, step);
    if ("outcome" in next) {
      return next.outcome;
    }
    pending = next.pending;
    if (pending) {
      // A fix in a file an earlier stage consumes reaches the cluster only through that stage.
      const fed = await rerunFedStages(ctx, stage, convergeStage);
      if (fed) {
        return {
          stage,
          status: fed.status === "interrupted" ? "interrupted" : "give_up",
          reason: `the fix changed the files of ${fed.stage}, which ran again and is not green (${fed.reason})`,
          runs: run,
        };
      }
      // A fix Flux must pull waits for its merge before the stage runs (and could escalate) again.
      const undelivered = await awaitDelivery(ctx, stage, pending, run);
      if (undelivered) {
        return undelivered;
      }
    }
    if (ctx.signal.aborted) {
      await state.setStageStatus(stage, failedStatus(result, "interrupted by the user", attempt));
      return { stage, status: "interrupted", reason: "interrupted", runs: run };
    }
  }
}

/**
 * What stage commands and their checks run with: they work in the worktree but find generated
 * credentials (talosconfig, kubeconfig) in the user's checkout. The tool's own model keys are
 * not theirs: a stage (or a patch to one) never sees OPENAI_API_KEY or EXECUTOR_API_KEY, so
 * they cannot end up in its logs.
 */
export function stageEnv(
  ctx: Pick<RunContext, "env" | "repoRoot"> & { workspace: { workdir: string } },
): NodeJS.ProcessEnv {
  return {
    ...withoutToolCredentials(ctx.env),
    ORCHESTRATOR_REPO_ROOT: ctx.repoRoot,
    ORCHESTRATOR_WORKTREE: ctx.workspace.workdir,
  };
}

/** What every fixer is told about this failure and the episode so far. */
export function fixRequestOf(
  stage: string,
  failure: { result: StageRunResult; logTail: string; fingerprint: ErrorFingerprint },
  errors: StageErrors,
): FixRequest {
  return {
    stage,
    fingerprint: failure.fingerprint,
    logTail: failure.logTail,
    logFile: failure.result.logFile,
    exitCode: failure.result.process.exitCode,
    checks: failure.result.checks,
    episode: {
      lastGreenCommit: errors.lastGreenCommit,
      history: errors.history,
      executorNotes: errors.executorNotes,
    },
  };
}

/** Counts the failure against its fingerprint, decides, and records the decision everywhere. */
async function decideStep(
  ctx: RunContext,
  stage: string,
  failure: {
    run: number;
    maxRuns: number;
    attempt: number;
    result: StageRunResult;
    errors: StageErrors;
    logTail: string;
    fingerprint: ErrorFingerprint;
  },
): Promise<DecidedStep> {
  const { run, attempt, result, errors, fingerprint } = failure;
  const { template } = fingerprint;
  if (errors.fingerprint !== undefined && errors.fingerprint !== template) {
    ctx.reporter.note(stage, `a different error (${template}); its attempts count from 1`);
  }
  errors.fingerprint = template;
  errors.exact = fingerprint.exact;
  errors.attempts[template] = (errors.attempts[template] ?? 0) + 1;
  const action = decide(
    {
      attempts: errors.attempts[template] ?? 1,
      executorAvailable: ctx.fixers.executor !== undefined,
      // A fix a human rejected for this error is never replayed again for it.
      untriedFixId: await ctx.fixers.memory.untriedFix(stage, fingerprint, [
        ...errors.triedFixes,
        ...(await ctx.proposals.rejectedFixes(stage, template)),
      ]),
      apiConfigured: ctx.fixers.escalator.configured,
      apiCallsUsed: errors.apiCalls[template] ?? 0,
      modelGaveUp: errors.modelGaveUp?.fingerprint === template ? errors.modelGaveUp.reason : undefined,
    },
    { kind: "failed", fingerprint: template },
    ctx.settings,
  );
  const overBound = run >= failure.maxRuns && action.kind !== "give_up";
  const decided = overBound
    ? { kind: "give_up" as const, reason: `ran ${run} times in this episode without converging` }
    : action;
  errors.history = [
    ...errors.history,
    {
      at: isoStamp(),
      fingerprint: template,
      exact: fingerprint.exact,
      attempt,
      action: decided.kind,
      reason: decided.reason,
      logFile: result.logFile,
    },
  ].slice(-HISTORY_KEPT);
  await ctx.state.setStageErrors(stage, errors);
  await ctx.state.setStageStatus(stage, failedStatus(result, result.summary, attempt));
  await ctx.state.journal({
    type: "decision",
    stage,
    fingerprint: template,
    action: decided.kind,
    reason: decided.reason,
    lines: await Promise.all(fingerprint.lines.map(ctx.redact)),
  });
  ctx.reporter.note(stage, `${result.summary} — ${decided.reason}`);
  return { run, action: decided, errors, request: fixRequestOf(stage, failure, errors) };
}

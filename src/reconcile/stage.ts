import { appendFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { runStage, type StageRunResult } from "../adapters/stage-runner/index.ts";
import { newStageErrors, type StageStatusEntry } from "../adapters/state-store/index.ts";
import { stageSpecOf } from "../config/context-map.ts";
import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import { backoff, decide } from "../core/policy/index.ts";
import { UserError } from "../errors/index.ts";
import type { EscalationResult, FixRequest, FixResult, RunContext } from "./context.ts";

export type StageOutcome = {
  stage: string;
  status: "green" | "give_up" | "interrupted";
  reason: string;
  runs: number;
};

/** A patch waiting for the next run to show whether it helped. */
interface PendingPatch {
  commit: string;
  fingerprint: ErrorFingerprint;
  source: string;
  fixId?: string;
}

const HISTORY_KEPT = 100;

/**
 * Runs one stage until it is green or gives up. Every pass: run, fingerprint, decide, act once.
 * Bounded: each fingerprint gets at most threshold + budget runs, and the whole episode a
 * fixed multiple of that, so a fix that keeps trading one error for another still ends.
 */
export async function convergeStage(ctx: RunContext, stage: string): Promise<StageOutcome> {
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
  const { settings, state, fixers, reporter } = ctx;
  let errors = await state.stageErrors(stage);
  errors.episodeStartedAt ??= new Date().toISOString();
  const fingerprinter = lazyFingerprinter(ctx);
  const perFingerprint = settings.executorRetryThreshold + settings.apiCallBudget + 1;
  const maxRuns = perFingerprint * 4;
  let pending: PendingPatch | undefined;
  /** Patches a different error followed: they fixed their own error, and count as verified once green. */
  const kept: PendingPatch[] = [];

  for (let run = 1; ; run++) {
    const attempt = Object.values(errors.attempts).reduce((sum, n) => sum + n, 0) + 1;
    await setStatus(ctx, stage, {
      status: "running",
      since: new Date().toISOString(),
      pid: process.pid,
      host: hostname(),
    });
    reporter.stageStarted(stage, attempt, spec.command);
    const result = await runStage({
      stage,
      spec,
      repoRoot: ctx.repoRoot,
      workdir: ctx.workspace.workdir,
      attempt,
      env: stageEnv(ctx),
      signal: ctx.signal,
      onLine: (line) => reporter.line(stage, line),
    });
    reporter.stageFinished(stage, result);
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
      await setStatus(
        ctx,
        stage,
        failedStatus(result, "interrupted by the user; the stage's processes were stopped", attempt),
      );
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
        });
        await fixers.rememberFix?.(stage, verified.fingerprint, verified.commit, verified.fixId);
      }
      errors = newStageErrors({
        lastGreenCommit: await ctx.workspace.head(),
        executorRuns: errors.executorRuns,
        apiCallsTotal: errors.apiCallsTotal,
        tokens: errors.tokens,
        history: errors.history,
      });
      await state.setStageErrors(stage, errors);
      await setStatus(ctx, stage, {
        status: "green",
        since: new Date().toISOString(),
        lastRun: lastRunOf(result, attempt),
      });
      return {
        stage,
        status: "green",
        reason: "the command exited 0 and every success check passed",
        runs: run,
      };
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
    if (errors.fingerprint !== fingerprint.template && errors.fingerprint !== undefined) {
      reporter.note(stage, `a different error (${fingerprint.template}); its attempts count from 1`);
    }
    errors.fingerprint = fingerprint.template;
    errors.exact = fingerprint.exact;
    errors.attempts[fingerprint.template] = (errors.attempts[fingerprint.template] ?? 0) + 1;
    const apiCallsUsed = errors.apiCalls[fingerprint.template] ?? 0;
    const untriedFixId = await fixers.untriedFix?.(stage, fingerprint, errors.triedFixes);
    const action = decide(
      {
        attempts: errors.attempts[fingerprint.template] ?? 1,
        executorAvailable: fixers.runExecutor !== undefined,
        untriedFixId,
        apiConfigured: fixers.apiConfigured,
        apiCallsUsed,
        modelGaveUp:
          errors.modelGaveUp?.fingerprint === fingerprint.template ? errors.modelGaveUp.reason : undefined,
      },
      { kind: "failed", fingerprint: fingerprint.template },
      settings,
    );
    const overBound = run >= maxRuns && action.kind !== "give_up";
    const reason = overBound ? `ran ${run} times in this episode without converging` : action.reason;
    errors.history = [
      ...errors.history,
      {
        at: new Date().toISOString(),
        fingerprint: fingerprint.template,
        exact: fingerprint.exact,
        attempt,
        action: overBound ? "give_up" : action.kind,
        reason,
        logFile: result.logFile,
      },
    ].slice(-HISTORY_KEPT);
    await state.setStageErrors(stage, errors);
    await setStatus(ctx, stage, failedStatus(result, result.summary, attempt));
    await state.journal({
      type: "decision",
      stage,
      fingerprint: fingerprint.template,
      action: action.kind,
      reason,
    });
    reporter.note(stage, `${result.summary} — ${reason}`);

    const request: FixRequest = { stage, fingerprint, logTail, logFile: result.logFile, errors, run: result };
    if (overBound) {
      return giveUp(ctx, stage, reason, fingerprint, run, undefined);
    }
    switch (action.kind) {
      case "done":
      case "stop":
        return { stage, status: "interrupted", reason: action.reason, runs: run };
      case "retry":
        await waitBeforeRetry(ctx, stage, action.afterMs);
        break;
      case "executor": {
        errors.executorRuns += 1;
        const fix: FixResult = fixers.runExecutor
          ? await fixers.runExecutor(request)
          : { kind: "failed", reason: "no executor is configured" };
        await state.setStageErrors(stage, errors);
        pending = await handleFix(ctx, stage, fix, fingerprint);
        if (!pending) {
          await waitBeforeRetry(ctx, stage, backoff(errors.attempts[fingerprint.template] ?? 1, settings));
        }
        break;
      }
      case "replay_fix": {
        errors.triedFixes = [...errors.triedFixes, action.fixId];
        await state.setStageErrors(stage, errors);
        const fix: FixResult = fixers.replayFix
          ? await fixers.replayFix(action.fixId, request)
          : { kind: "failed", reason: "fix memory is not available" };
        pending = await handleFix(ctx, stage, fix, fingerprint);
        if (pending) {
          pending.fixId = action.fixId;
        } else {
          await fixers.demoteFix?.(action.fixId);
        }
        break;
      }
      case "escalate": {
        const remaining = settings.apiCallBudget - apiCallsUsed;
        if (!fixers.escalate) {
          return giveUp(ctx, stage, "escalation is not available in this build", fingerprint, run, undefined);
        }
        const { result: escalation, callsUsed, usage } = await fixers.escalate(request, remaining);
        errors.apiCalls[fingerprint.template] = apiCallsUsed + callsUsed;
        errors.apiCallsTotal += callsUsed;
        errors.tokens = {
          input: errors.tokens.input + usage.input,
          output: errors.tokens.output + usage.output,
        };
        await state.setStageErrors(stage, errors);
        if (escalation.kind === "give_up") {
          errors.modelGaveUp = { fingerprint: fingerprint.template, reason: escalation.reason };
          await state.setStageErrors(stage, errors);
          return giveUp(
            ctx,
            stage,
            `the model gave up: ${escalation.reason}`,
            fingerprint,
            run,
            escalation.caseDir,
          );
        }
        pending = await handleFix(ctx, stage, escalation, fingerprint);
        if (!pending) {
          const spent = errors.apiCalls[fingerprint.template] ?? 0;
          return giveUp(
            ctx,
            stage,
            `escalation ended without a usable patch after ${spent} API call${spent === 1 ? "" : "s"}: ${describeFix(escalation)}`,
            fingerprint,
            run,
            escalation.caseDir,
          );
        }
        break;
      }
      case "give_up": {
        const caseDir = fixers.apiConfigured ? undefined : await fixers.writeCaseFileOnly?.(request);
        return giveUp(ctx, stage, reason, fingerprint, run, caseDir);
      }
    }
    if (ctx.signal.aborted) {
      await setStatus(ctx, stage, failedStatus(result, "interrupted by the user", attempt));
      return { stage, status: "interrupted", reason: "interrupted", runs: run };
    }
  }
}

/**
 * Reads a failed run's log tail and fingerprints it with the repo's learned templates, which it
 * saves again. Loaded at the first failure: a green run needs neither the miner nor its schema.
 */
function lazyFingerprinter(ctx: RunContext) {
  let loaded:
    | Promise<{ fingerprint(logPath: string): Promise<{ logTail: string; fingerprint: ErrorFingerprint }> }>
    | undefined;
  return () => {
    loaded ??= (async () => {
      const [{ fingerprintLogTail, TemplateMiner }, { readLogTail }] = await Promise.all([
        import("../core/fingerprint/index.ts"),
        import("../adapters/log-tail/index.ts"),
      ]);
      const miner = TemplateMiner.fromJSON(await ctx.state.readJsonFile("templates.json"));
      return {
        async fingerprint(logPath: string) {
          const logTail = await readLogTail(logPath);
          const fingerprint = fingerprintLogTail(logTail, miner);
          await ctx.state.writeJson("templates.json", miner.toJSON());
          return { logTail, fingerprint };
        },
      };
    })();
    return loaded;
  };
}

async function handleFix(
  ctx: RunContext,
  stage: string,
  fix: FixResult | EscalationResult,
  fingerprint: ErrorFingerprint,
): Promise<PendingPatch | undefined> {
  ctx.reporter.note(stage, describeFix(fix));
  if (fix.kind === "patched") {
    return { commit: fix.commit, fingerprint, source: fix.source };
  }
  return undefined;
}

function describeFix(fix: FixResult | EscalationResult): string {
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
async function settlePatch(
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

async function giveUp(
  ctx: RunContext,
  stage: string,
  reason: string,
  fingerprint: ErrorFingerprint,
  runs: number,
  caseDir: string | undefined,
): Promise<StageOutcome> {
  const now = new Date().toISOString();
  const statuses = await ctx.state.stageStatuses();
  await setStatus(ctx, stage, {
    ...(statuses[stage] ?? {}),
    status: "give_up",
    since: now,
    reason,
    giveUpHead: await ctx.workspace.head(),
    ...(caseDir ? { caseDir } : {}),
  } as StageStatusEntry);
  const next = caseDir
    ? `read the case file in ${caseDir}, fix the cause by hand, then run "orchestrator ${stage} --reset"`
    : `read the latest log in ai/logs/${stage}/, fix the cause by hand, then run "orchestrator ${stage} --reset"`;
  const entry = [
    `## ${now} ${stage} give_up`,
    `- fingerprint: ${fingerprint.template} (exact ${fingerprint.exact})`,
    `- summary: ${reason}`,
    `- error: ${fingerprint.lines.slice(-3).join(" | ") || "(no output)"}`,
    `- case folder: ${caseDir ?? "none"}`,
    `- next: ${next}`,
    "",
  ].join("\n");
  await appendFile(join(ctx.repoRoot, "ai", "issues.txt"), `${entry}\n`, "utf8");
  await ctx.state.journal({ type: "give_up", stage, fingerprint: fingerprint.template, reason, caseDir });
  ctx.reporter.note(stage, `give_up: ${reason}. Next: ${next}`);
  return { stage, status: "give_up", reason, runs };
}

async function waitBeforeRetry(ctx: RunContext, stage: string, ms: number) {
  if (ms <= 0) {
    return;
  }
  ctx.reporter.note(stage, `waiting ${Math.round(ms / 1000)}s before the next run`);
  await ctx.state.journal({ type: "retry_wait", stage, ms });
  await ctx.sleep(ms, ctx.signal);
}

function stageEnv(ctx: RunContext): NodeJS.ProcessEnv {
  return {
    ...ctx.env,
    ORCHESTRATOR_REPO_ROOT: ctx.repoRoot,
    ORCHESTRATOR_WORKTREE: ctx.workspace.workdir,
  };
}

async function setStatus(ctx: RunContext, stage: string, entry: StageStatusEntry) {
  await ctx.state.setStageStatus(stage, entry);
}

function failedStatus(result: StageRunResult, reason: string, attempt: number): StageStatusEntry {
  return { status: "failed", since: new Date().toISOString(), reason, lastRun: lastRunOf(result, attempt) };
}

function lastRunOf(result: StageRunResult, attempt: number) {
  return {
    attempt,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    logFile: result.logFile,
    exitCode: result.process.exitCode,
    signal: result.process.signal,
    timedOut: result.process.timedOut,
    interrupted: result.process.interrupted,
    durationMs: result.process.durationMs,
    checks: result.checks,
  };
}

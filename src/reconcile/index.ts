import { hostname } from "node:os";
import { newStageErrors } from "../adapters/state-store/index.ts";
import { stageSpecOf } from "../config/context-map.ts";
import { isoStamp } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import type { RunContext } from "./context.ts";
import { filesChangedSinceGreen } from "./feeds.ts";
import { convergeStage, type StageOutcome, stageEnv } from "./stage.ts";

export { approveProposal, rejectProposal } from "./approval.ts";
export * from "./context.ts";
export { convergeStage, type StageOutcome, stageEnv } from "./stage.ts";

/**
 * Every configured stage in order. A green stage is skipped only when nothing says it is stale:
 * its `files:` are unchanged on the AI branch since its last green run and its checks still pass.
 * Changed files or a failing check (drift) run it again, as does having no checks at all. A stage
 * that does not end green stops only the stages that need it (directly or through another):
 * the rest still run. An interruption stops everything.
 */
export async function convergeAll(ctx: RunContext): Promise<StageOutcome[]> {
  const outcomes: StageOutcome[] = [];
  const statuses = await ctx.state.stageStatuses();
  const configured = Object.entries(ctx.contextMap.stages).filter(([, spec]) => spec.command);
  if (configured.length === 0) {
    throw new UserError('no stage in ai/context_map.yaml has a command yet: configure one, e.g. "talos"');
  }
  const green = new Set<string>();
  for (const [stage, spec] of Object.entries(ctx.contextMap.stages)) {
    if (!spec.command) {
      ctx.reporter.note(stage, "not configured (no command): skipped");
      continue;
    }
    const missing = spec.needs.filter((needed) => !green.has(needed));
    if (missing.length > 0) {
      const reason = `needs ${missing.join(", ")}, which is not green`;
      ctx.reporter.note(stage, `not run: ${reason}`);
      outcomes.push({ stage, status: "give_up", reason, runs: 0 });
      continue;
    }
    if (statuses[stage]?.status === "green" && (await stillGreen(ctx, stage))) {
      green.add(stage);
      outcomes.push({ stage, status: "green", reason: "checks still pass", runs: 0 });
      continue;
    }
    const outcome = await convergeStage(ctx, stage);
    outcomes.push(outcome);
    if (outcome.status === "interrupted") {
      return outcomes;
    }
    if (outcome.status === "green") {
      green.add(stage);
    }
  }
  return outcomes;
}

/** A green stage that may be skipped: unchanged files, and checks that still pass. */
async function stillGreen(ctx: RunContext, stage: string): Promise<boolean> {
  const spec = stageSpecOf(ctx.contextMap, stage);
  if (spec.success_criteria.length === 0) {
    // Without checks nothing can say the stage is still green: it runs again (its command is idempotent).
    ctx.reporter.note(
      stage,
      "green before, but it has no success_criteria to show it still is: running it again",
    );
    return false;
  }
  const changed = await filesChangedSinceGreen(ctx, stage);
  if (changed && changed.files.length > 0) {
    ctx.reporter.note(
      stage,
      `green before, but its files changed since (${changed.files.join(", ")}): running it again`,
    );
    await ctx.state.journal({ type: "stage_files_changed", stage, ...changed });
    return false;
  }
  const checks = await ctx.stages.check({ spec, env: stageEnv(ctx), signal: ctx.signal });
  const failed = checks.find((check) => !check.passed);
  if (failed) {
    ctx.reporter.note(stage, `drift: check "${failed.name}" ${failed.detail}; running the stage again`);
    await ctx.state.journal({ type: "drift", stage, check: failed.name, detail: failed.detail });
    return false;
  }
  ctx.reporter.note(stage, "green, and its checks still pass: skipped");
  return true;
}

/** `--reset`: the stage goes back to idle with a fresh episode; totals and history stay. */
export async function resetStage(
  ctx: Pick<RunContext, "contextMap" | "state" | "fixers">,
  stage: string,
): Promise<void> {
  stageSpecOf(ctx.contextMap, stage);
  const previous = (await ctx.state.stageStatuses())[stage];
  const errors = await ctx.state.stageErrors(stage);
  const giveUpHead = previous?.giveUpHead;
  if (previous?.status === "give_up" && giveUpHead !== undefined && errors.fingerprint && errors.exact) {
    const fingerprint = { template: errors.fingerprint, exact: errors.exact };
    const fixId = await ctx.fixers.memory.rememberHumanFix(stage, fingerprint, giveUpHead);
    if (fixId) {
      await ctx.state.journal({
        type: "human_fix_remembered",
        stage,
        fixId,
        fingerprint: errors.fingerprint,
      });
    }
  }
  await ctx.state.setStageErrors(
    stage,
    newStageErrors({
      executorRuns: errors.executorRuns,
      apiCallsTotal: errors.apiCallsTotal,
      tokens: errors.tokens,
      lastGreenCommit: errors.lastGreenCommit,
      history: errors.history,
    }),
  );
  await ctx.state.setStageStatus(stage, {
    status: "idle",
    since: isoStamp(),
    reason: `reset by a human on ${hostname()}${previous ? ` (was ${previous.status})` : ""}`,
  });
  await ctx.state.journal({ type: "reset", stage, ...(previous ? { previous: previous.status } : {}) });
}

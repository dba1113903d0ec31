import type { JournalRecord } from "../../core/journal/index.ts";
import { convergeAll, convergeStage } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { withNotifications } from "../notifications.ts";
import { preflightPasses } from "../preflight-gate.ts";
import { resetStages } from "../reset.ts";
import { withRunContext } from "../run-context.ts";

/** `orchestrator <stage> [--reset] [--json]` and `orchestrator all`. */
export async function run(
  [stage]: [string],
  options: GlobalOptions & { reset?: boolean; json?: boolean },
  io: CliIO,
): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  if (!options.reset && !(await preflightPasses(repoRoot, stage, io))) {
    return 2;
  }
  const open = {
    repoRoot,
    target: { stage, reset: options.reset === true },
    flags: options,
    lockFor: options.reset ? `${stage} --reset` : stage,
  };
  return withRunContext(io, open, async (opened) => {
    const { ctx, notifications } = await withNotifications(opened.ctx, io);
    const from = opened.lock.takenOverFrom;
    if (from) {
      io.stderr.write(
        `took over a lock left by pid ${from.pid} (${from.host}, since ${from.since}), which is gone\n`,
      );
    }
    for (const warning of ctx.state.warnings) {
      io.stderr.write(`warning: ${warning}\n`);
    }
    if (options.reset) {
      await resetStages(ctx, stage, io);
      return 0;
    }
    await ctx.state.journal({ type: "run_started", target: stage });
    const outcomes = stage === "all" ? await convergeAll(ctx) : [await convergeStage(ctx, stage)];
    await ctx.state.journal({ type: "run_finished", target: stage, outcomes });
    await notifications.flush();
    if (options.json) {
      const failing = failingLinesByStage(await ctx.state.readJournal());
      const withLines = outcomes.map((outcome) =>
        outcome.status === "green" ? outcome : { ...outcome, failingLines: failing.get(outcome.stage) ?? [] },
      );
      io.stdout.write(`${JSON.stringify({ target: stage, outcomes: withLines })}\n`);
    } else {
      for (const outcome of outcomes) {
        io.stdout.write(
          `${outcome.stage}: ${outcome.status}${outcome.status === "green" ? "" : ` — ${outcome.reason}`}\n`,
        );
      }
    }
    if (outcomes.at(-1)?.status === "interrupted") {
      return 130;
    }
    return outcomes.some((outcome) => outcome.status !== "green") ? 1 : 0;
  });
}

/** Each stage's failing lines as the journal last recorded them (a decision or a needs_human). */
function failingLinesByStage(records: readonly JournalRecord[]): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const record of records) {
    if (record.type === "decision" || record.type === "needs_human") {
      lines.set(record.stage, record.lines ?? []);
    }
  }
  return lines;
}

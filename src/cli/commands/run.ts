import { convergeAll, convergeStage, resetStage } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import { interruptController } from "../interrupt.ts";
import type { CliIO } from "../io.ts";
import { withNotifications } from "../notifications.ts";
import { terminalReporter } from "../progress.ts";
import { openRunContext } from "../run-context.ts";

/** `orchestrator <stage> [--reset]` and `orchestrator all`. */
export async function run(
  [stage]: [string],
  options: GlobalOptions & { reset?: boolean },
  io: CliIO,
): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  const interrupt = interruptController(io);
  try {
    const opened = await openRunContext({
      repoRoot,
      target: { stage, reset: options.reset === true },
      flags: options,
      lockFor: options.reset ? `${stage} --reset` : stage,
      reporter: terminalReporter(io.stderr),
      signal: interrupt.signal,
      env: io.env,
    });
    const { lock } = opened;
    try {
      const { ctx, notifications } = await withNotifications(opened.ctx, io);
      if (lock.takenOverFrom) {
        const from = lock.takenOverFrom;
        io.stderr.write(
          `took over a lock left by pid ${from.pid} (${from.host}, since ${from.since}), which is gone\n`,
        );
      }
      for (const warning of ctx.state.warnings) {
        io.stderr.write(`warning: ${warning}\n`);
      }
      if (options.reset) {
        for (const name of stage === "all" ? Object.keys(ctx.contextMap.stages) : [stage]) {
          await resetStage(ctx, name);
        }
        io.stdout.write(`${stage}: reset to idle\n`);
        return 0;
      }
      await ctx.state.journal({ type: "run_started", target: stage });
      const outcomes = stage === "all" ? await convergeAll(ctx) : [await convergeStage(ctx, stage)];
      await ctx.state.journal({ type: "run_finished", target: stage, outcomes });
      await notifications.flush();
      for (const outcome of outcomes) {
        io.stdout.write(
          `${outcome.stage}: ${outcome.status}${outcome.status === "green" ? "" : ` — ${outcome.reason}`}\n`,
        );
      }
      if (outcomes.at(-1)?.status === "interrupted") {
        return 130;
      }
      return outcomes.some((outcome) => outcome.status !== "green") ? 1 : 0;
    } finally {
      await lock.release();
    }
  } finally {
    interrupt.dispose();
  }
}

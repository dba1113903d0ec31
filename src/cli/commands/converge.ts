import { parseDuration } from "../../config/index.ts";
import { LockHeldError, UserError } from "../../errors/index.ts";
import { convergeAll } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import { interruptController } from "../interrupt.ts";
import type { CliIO } from "../io.ts";
import { preflightPasses } from "../preflight-gate.ts";
import { terminalReporter } from "../progress.ts";
import { abortableSleep, openRunContext } from "../run-context.ts";

/**
 * Level-triggered: each pass converges every stage (green stages are only re-checked) under
 * the lock, releases it, and sleeps. A give_up stays until a human resets it; the rest goes on.
 */
export async function run(_args: [], options: GlobalOptions & { every: string }, io: CliIO): Promise<number> {
  const everyMs = parseDuration(options.every);
  if (everyMs === undefined || everyMs <= 0) {
    throw new UserError(`--every "${options.every}": expected a duration like 15m`);
  }
  const repoRoot = repoRootOf(options, io);
  if (!(await preflightPasses(repoRoot, "all", io))) {
    return 2;
  }
  const interrupt = interruptController(io);
  try {
    for (let pass = 1; !interrupt.signal.aborted; pass++) {
      const opened = await openRunContext({
        repoRoot,
        flags: options,
        lockFor: `converge pass ${pass}`,
        reporter: terminalReporter(io.stderr),
        signal: interrupt.signal,
        env: io.env,
      }).catch((error: unknown) => {
        if (!(error instanceof LockHeldError)) {
          throw error;
        }
        io.stderr.write(`pass ${pass} skipped: ${error.message}\n`);
        return undefined;
      });
      if (opened) {
        const { ctx, lock } = opened;
        try {
          await ctx.state.journal({ type: "converge_pass", pass });
          const outcomes = await convergeAll(ctx);
          const summary = outcomes.map((outcome) => `${outcome.stage}=${outcome.status}`).join(" ");
          io.stdout.write(`${new Date().toISOString()} pass ${pass}: ${summary}\n`);
        } finally {
          await lock.release();
        }
      }
      await abortableSleep(everyMs, interrupt.signal);
    }
    // Being stopped is how converge ends (a service manager's SIGTERM): not a failure.
    return 0;
  } finally {
    interrupt.dispose();
  }
}

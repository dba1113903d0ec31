import { parseDuration } from "../../config/index.ts";
import { LockHeldError, UserError } from "../../errors/index.ts";
import { findRepoRoot } from "../repo-root.ts";
import { type GlobalOptions, interruptController } from "./run.ts";

/**
 * Level-triggered: each pass converges every stage (green stages are only re-checked) under
 * the lock, releases it, and sleeps. A give_up stays until a human resets it; the rest goes on.
 */
export async function convergeCommand(options: GlobalOptions & { every: string }): Promise<void> {
  const everyMs = parseDuration(options.every);
  if (everyMs === undefined || everyMs <= 0) {
    throw new UserError(`--every "${options.every}": expected a duration like 15m`);
  }
  const repoRoot = findRepoRoot(options.repo ?? process.cwd());
  const [{ openRunContext, abortableSleep }, { convergeAll }, { terminalReporter }] = await Promise.all([
    import("../run-context.ts"),
    import("../../reconcile/index.ts"),
    import("../progress.ts"),
  ]);
  const interrupt = interruptController();
  try {
    for (let pass = 1; !interrupt.signal.aborted; pass++) {
      const opened = await openRunContext({
        repoRoot,
        flags: options,
        lockFor: `converge pass ${pass}`,
        reporter: terminalReporter(),
        signal: interrupt.signal,
      }).catch((error: unknown) => {
        if (!(error instanceof LockHeldError)) {
          throw error;
        }
        process.stderr.write(`pass ${pass} skipped: ${error.message}\n`);
        return undefined;
      });
      if (opened) {
        const { ctx, lock } = opened;
        try {
          await ctx.state.journal({ type: "converge_pass", pass });
          const outcomes = await convergeAll(ctx);
          const summary = outcomes.map((outcome) => `${outcome.stage}=${outcome.status}`).join(" ");
          process.stdout.write(`${new Date().toISOString()} pass ${pass}: ${summary}\n`);
        } finally {
          await lock.release();
        }
      }
      await abortableSleep(everyMs, interrupt.signal);
    }
  } finally {
    interrupt.dispose();
  }
}

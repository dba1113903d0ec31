import { parseDuration } from "../../config/index.ts";
import { UserError } from "../../errors/index.ts";
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
      const ctx = await openRunContext({
        repoRoot,
        flags: options,
        reporter: terminalReporter(),
        signal: interrupt.signal,
      });
      const lock = await ctx.state.lock(`converge pass ${pass}`).catch((error: unknown) => {
        process.stderr.write(`pass ${pass} skipped: ${(error as Error).message}\n`);
        return undefined;
      });
      if (lock) {
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

import type { RunContext } from "../reconcile/index.ts";
import type { CliIO } from "./io.ts";

export interface Notifications {
  /** Delivers what the journal calls for since the last flush; never throws. */
  flush(): Promise<void>;
}

const NONE: Notifications = { flush: async () => undefined };

/**
 * Notifications for one run or pass: the loop's own journal is the source, read after each stage
 * run starts and ends and once at the end, so a notification follows the event by one stage step
 * at most. The reporter is wrapped, not the loop: a delivery can never fail or hold up a stage
 * (flushes queue behind each other and only the closing one is awaited).
 */
export async function withNotifications(
  ctx: RunContext,
  io: Pick<CliIO, "stderr">,
): Promise<{ ctx: RunContext; notifications: Notifications }> {
  if (ctx.contextMap.notify.length === 0) {
    return { ctx, notifications: NONE };
  }
  const { createNotifier } = await import("../adapters/notify/index.ts");
  const notifier = createNotifier({
    repoRoot: ctx.repoRoot,
    targets: ctx.contextMap.notify,
    env: ctx.env,
    redact: ctx.redact,
    journal: (event) => ctx.state.journal(event),
    log: (line) => io.stderr.write(`${line}\n`),
  });
  if (!notifier) {
    return { ctx, notifications: NONE };
  }
  // The first flush of a new install sets the ledger at the journal's end: history is not sent.
  await notifier.flush();
  const reporter = ctx.reporter;
  const wrapped: RunContext = {
    ...ctx,
    reporter: {
      stageStarted(stage, attempt, command) {
        reporter.stageStarted(stage, attempt, command);
        void notifier.flush();
      },
      line: (stage, text) => reporter.line(stage, text),
      stageFinished(stage, result) {
        reporter.stageFinished(stage, result);
        void notifier.flush();
      },
      note: (stage, text) => reporter.note(stage, text),
    },
  };
  return { ctx: wrapped, notifications: notifier };
}

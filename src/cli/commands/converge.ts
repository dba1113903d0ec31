import { readFile } from "node:fs/promises";
import { loadContextMap } from "../../config/context-map.ts";
import { parseDuration } from "../../config/index.ts";
import { LockHeldError, UserError } from "../../errors/index.ts";
import { convergeAll, type Reporter } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import { interruptController } from "../interrupt.ts";
import type { CliIO } from "../io.ts";
import { withNotifications } from "../notifications.ts";
import { preflightPasses } from "../preflight-gate.ts";
import { terminalReporter } from "../progress.ts";
import { abortableSleep, withRunContext } from "../run-context.ts";
import type { PassClock } from "../service-view.ts";

export interface ConvergeOptions extends GlobalOptions {
  every: string;
  listen?: string;
  tokenFile?: string;
}

/** The environment variable that may hold the listener's bearer token instead of --token-file. */
export const LISTEN_TOKEN_ENV = "ORCHESTRATOR_LISTEN_TOKEN";
/** A pass may stay silent for the longest stage timeout plus this before /healthz says 503. */
const HEALTH_MARGIN_MS = 10 * 60_000;

/**
 * Level-triggered: each pass converges every stage (green stages are only re-checked) under
 * the lock, releases it, and sleeps. A give_up stays until a human resets it; the rest goes on.
 * With --listen it also serves /metrics, /healthz and a status page while it runs.
 */
export async function run(_args: [], options: ConvergeOptions, io: CliIO): Promise<number> {
  const everyMs = parseDuration(options.every);
  if (everyMs === undefined || everyMs <= 0) {
    throw new UserError(`--every "${options.every}": expected a duration like 15m`);
  }
  const repoRoot = repoRootOf(options, io);
  if (!(await preflightPasses(repoRoot, "all", io))) {
    return 2;
  }
  const clock: PassClock = {
    passes: 0,
    skippedPasses: 0,
    running: false,
    lastBeatMs: Date.now(),
    everyMs,
    graceMs: HEALTH_MARGIN_MS,
  };
  const listener = options.listen === undefined ? undefined : await listen(repoRoot, options, io, clock);
  const interrupt = interruptController(io);
  try {
    for (let pass = 1; !interrupt.signal.aborted; pass++) {
      const beat = () => {
        clock.lastBeatMs = Date.now();
      };
      const open = {
        repoRoot,
        flags: options,
        lockFor: `converge pass ${pass}`,
        reporter: beating(terminalReporter(io.stderr), beat),
        signal: interrupt.signal,
      };
      const ran = await withRunContext(io, open, async (opened) => {
        beat();
        const startedMs = Date.now();
        clock.running = true;
        try {
          const { ctx, notifications } = await withNotifications(opened.ctx, io);
          await ctx.state.journal({ type: "converge_pass", pass });
          const outcomes = await convergeAll(ctx);
          await notifications.flush();
          const summary = outcomes.map((outcome) => `${outcome.stage}=${outcome.status}`).join(" ");
          io.stdout.write(`${new Date().toISOString()} pass ${pass}: ${summary}\n`);
        } finally {
          clock.running = false;
        }
        return startedMs;
      }).catch((error: unknown) => {
        // Another run holds the lock: this pass is skipped, the next one tries again.
        if (!(error instanceof LockHeldError)) {
          throw error;
        }
        io.stderr.write(`pass ${pass} skipped: ${error.message}\n`);
        beat();
        return undefined;
      });
      if (ran !== undefined) {
        clock.passes++;
        clock.lastPassEndMs = Date.now();
        clock.lastPassDurationMs = clock.lastPassEndMs - ran;
        beat();
      } else {
        clock.skippedPasses++;
      }
      await abortableSleep(everyMs, interrupt.signal);
    }
    // Being stopped is how converge ends (a service manager's SIGTERM): not a failure.
    return 0;
  } finally {
    interrupt.dispose();
    await listener?.close();
  }
}

function beating(reporter: Reporter, beat: () => void): Reporter {
  return {
    stageStarted(stage, attempt, command) {
      beat();
      reporter.stageStarted(stage, attempt, command);
    },
    line(stage, text) {
      beat();
      reporter.line(stage, text);
    },
    stageFinished(stage, result) {
      beat();
      reporter.stageFinished(stage, result);
    },
    note(stage, text) {
      beat();
      reporter.note(stage, text);
    },
  };
}

/**
 * Starts the listener before the first pass. A bind address other than loopback is refused
 * without a bearer token: the page shows stage output and the repo's state.
 */
async function listen(repoRoot: string, options: ConvergeOptions, io: CliIO, clock: PassClock) {
  const [{ parseListen, isLoopback, startListener }, { serviceRoutes }] = await Promise.all([
    import("../../adapters/metrics-server/index.ts"),
    import("../service-view.ts"),
  ]);
  const { host, port } = parseListen(options.listen ?? "");
  const token = await listenToken(options, io);
  if (!isLoopback(host) && token === undefined) {
    throw new UserError(
      `--listen ${options.listen}: not a loopback address, so a bearer token is required: --token-file FILE or ${LISTEN_TOKEN_ENV}`,
    );
  }
  const contextMap = await loadContextMap(repoRoot);
  const longestStageMs = Math.max(0, ...Object.values(contextMap.stages).map((spec) => spec.timeout));
  clock.graceMs = longestStageMs + HEALTH_MARGIN_MS;
  const listener = await startListener({
    host,
    port,
    ...(token === undefined ? {} : { token }),
    routes: serviceRoutes(repoRoot, options, io.env, clock),
    log: (line) => io.stderr.write(`${line}\n`),
  });
  io.stderr.write(`listening on ${listener.url} (/metrics, /healthz, /)\n`);
  return listener;
}

async function listenToken(options: ConvergeOptions, io: CliIO): Promise<string | undefined> {
  if (options.tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.tokenFile, "utf8");
    } catch (error) {
      throw new UserError(`--token-file ${options.tokenFile}: ${(error as Error).message}`);
    }
    const token = text.trim();
    if (token.length < 16) {
      throw new UserError(`--token-file ${options.tokenFile}: the token is shorter than 16 characters`);
    }
    return token;
  }
  const fromEnv = io.env[LISTEN_TOKEN_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv.length > 0 && fromEnv.length < 16) {
    throw new UserError(`${LISTEN_TOKEN_ENV}: the token is shorter than 16 characters`);
  }
  return fromEnv || undefined;
}

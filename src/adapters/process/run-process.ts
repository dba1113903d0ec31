import { type ChildProcess, spawn } from "node:child_process";
import { formatDuration, MAX_TIMER_MS, MAX_TIMER_TEXT } from "../../core/duration/index.ts";
import { UserError } from "../../errors/index.ts";
import { Collector } from "./collector.ts";
import { forgetProcessGroup, trackProcessGroup } from "./groups.ts";
import { groupRunning, signalGroup } from "./proc.ts";
import { classifyStartFailure } from "./start-failure.ts";
import type { ProcessOptions, ProcessResult, StartFailure } from "./types.ts";

export type {
  OutputMode,
  OutputStream,
  ProcessOptions,
  ProcessResult,
  StartFailure,
  StartFailureKind,
} from "./types.ts";

const DEFAULT_KILL_GRACE_MS = 5000;
const DEFAULT_PIPE_GRACE_MS = 250;

/**
 * Runs argv without a shell, in a process group of its own, and always resolves (except for a
 * timeout no timer can hold). On timeout or abort the whole group gets SIGTERM, then SIGKILL;
 * when the process ends, what is left of its group is ended too; pipes that something outside
 * the group still holds are closed after a short wait instead of being waited on for ever.
 */
export function runProcess(argv: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  const program = argv[0];
  if (program === undefined) {
    return Promise.reject(new TypeError("runProcess needs a program"));
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs >= 0 && options.timeoutMs <= MAX_TIMER_MS)) {
    return Promise.reject(
      new UserError(
        `a timeout of ${formatDuration(options.timeoutMs)} for ${program} is longer than the longest timer Node can hold (${MAX_TIMER_TEXT}); use a shorter timeout`,
      ),
    );
  }
  return new Promise((resolve) => new Run(argv, options, resolve).start());
}

/** One process from spawn to result; `finish` runs exactly once. */
class Run {
  readonly #argv: readonly string[];
  readonly #options: ProcessOptions;
  readonly #resolve: (result: ProcessResult) => void;
  readonly #started = performance.now();
  readonly #killGraceMs: number;
  readonly #collect: Collector;
  #child: ChildProcess | undefined;
  #pid: number | undefined;
  #timers: NodeJS.Timeout[] = [];
  #timeoutTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #settling = false;
  #settled = false;
  #timedOut = false;
  #interrupted = false;
  #pipesAbandoned = false;
  #startFailure: StartFailure | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #openPipes = 0;
  #pipesClosed: () => void = () => {};

  constructor(argv: readonly string[], options: ProcessOptions, resolve: (result: ProcessResult) => void) {
    this.#argv = argv;
    this.#options = options;
    this.#resolve = resolve;
    this.#killGraceMs = Math.min(options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, MAX_TIMER_MS);
    this.#collect = new Collector(options.output);
  }

  start(): void {
    const options = this.#options;
    if (options.signal?.aborted) {
      this.#interrupted = true;
      this.#finish();
      return;
    }
    const [program, ...args] = this.#argv as [string, ...string[]];
    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd: options.cwd,
        env: options.env,
        stdio: [options.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        // setsid(): a group (and session) of its own, so one kill reaches the whole tree
        detached: true,
      });
    } catch (error) {
      this.#startFailure = {
        kind: "other",
        message: `${program} could not be started: ${(error as Error).message}`,
      };
      this.#finish();
      return;
    }
    this.#child = child;
    this.#pid = child.pid;
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (this.#pid === undefined && !this.#settled) {
        void classifyStartFailure(error, program, options.cwd).then((failure) => {
          this.#startFailure = failure;
          this.#finish();
        });
      }
    });
    if (this.#pid === undefined) {
      return; // the "error" event follows
    }
    trackProcessGroup(this.#pid);
    const pipesClosed = new Promise<void>((resolvePipes) => {
      this.#pipesClosed = resolvePipes;
    });
    for (const [stream, name] of [
      [child.stdout, "stdout"],
      [child.stderr, "stderr"],
    ] as const) {
      if (!stream) {
        continue;
      }
      this.#openPipes++;
      stream.on("data", (chunk: Buffer) => this.#collect.write(name, chunk));
      stream.on("close", () => {
        this.#openPipes--;
        if (this.#openPipes === 0) {
          this.#pipesClosed();
        }
      });
    }
    if (options.stdin !== undefined && child.stdin) {
      // a process may exit without reading all its input (e.g. a usage error): not our failure
      child.stdin.on("error", () => {});
      child.stdin.end(options.stdin);
    }
    child.on("exit", (code, signal) => {
      this.#exit = { code, signal };
      // It ended in time and of its own accord: what follows is cleanup, not a timeout or an interrupt.
      clearTimeout(this.#timeoutTimer);
      options.signal?.removeEventListener("abort", this.#onAbort);
      void this.#settle(pipesClosed);
    });
    if (options.timeoutMs !== undefined) {
      this.#timeoutTimer = setTimeout(() => {
        this.#timedOut = true;
        this.#stop();
      }, options.timeoutMs);
    }
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
    try {
      options.onSpawn?.({ pid: this.#pid });
    } catch {
      this.#stop();
    }
  }

  #onAbort = () => {
    this.#interrupted = true;
    this.#stop();
  };

  /** SIGTERM to the group now, SIGKILL after the grace; if even that does not end it, give up waiting. */
  #stop(): void {
    if (this.#stopping || this.#pid === undefined) {
      return;
    }
    this.#stopping = true;
    const pid = this.#pid;
    signalGroup(pid, "SIGTERM");
    this.#timers.push(
      setTimeout(() => {
        signalGroup(pid, "SIGKILL");
        // A process stuck in the kernel survives SIGKILL for a while; the caller does not wait for it.
        this.#timers.push(
          setTimeout(() => {
            if (!this.#settling) {
              this.#abandonPipes();
              this.#finish();
            }
          }, this.#killGraceMs),
        );
      }, this.#killGraceMs),
    );
  }

  /** The leader has exited: end the rest of its group and stop waiting for pipes held elsewhere. */
  async #settle(pipesClosed: Promise<void>): Promise<void> {
    this.#settling = true;
    const pid = this.#pid as number;
    signalGroup(pid, "SIGTERM");
    const pipeGraceMs = this.#options.pipeGraceMs ?? DEFAULT_PIPE_GRACE_MS;
    await within(pipesClosed, pipeGraceMs);
    const deadline = Date.now() + this.#killGraceMs;
    while (await groupRunning(pid).catch(() => false)) {
      if (Date.now() >= deadline) {
        signalGroup(pid, "SIGKILL");
        break;
      }
      await delay(50);
    }
    if (this.#openPipes > 0) {
      await within(pipesClosed, pipeGraceMs);
      this.#abandonPipes();
    }
    this.#finish();
  }

  #abandonPipes(): void {
    if (this.#openPipes > 0) {
      this.#pipesAbandoned = true;
      this.#child?.stdout?.destroy();
      this.#child?.stderr?.destroy();
    }
  }

  #finish(): void {
    if (this.#settled) {
      return;
    }
    this.#settled = true;
    clearTimeout(this.#timeoutTimer);
    for (const timer of this.#timers) {
      clearTimeout(timer);
    }
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    forgetProcessGroup(this.#pid);
    const output = this.#collect.end();
    this.#resolve({
      argv: this.#argv,
      exitCode: this.#exit?.code ?? null,
      signal: this.#exit?.signal ?? null,
      timedOut: this.#timedOut,
      interrupted: this.#interrupted,
      startFailure: this.#startFailure,
      startError: this.#startFailure?.message,
      durationMs: Math.round(performance.now() - this.#started),
      ...output,
      pipesAbandoned: this.#pipesAbandoned,
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `promise`, at most `ms`; the timer is cleared so it never keeps the process alive. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

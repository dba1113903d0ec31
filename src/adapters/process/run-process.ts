import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { formatDuration, MAX_TIMER_MS, MAX_TIMER_TEXT } from "../../core/duration/index.ts";
import { UserError } from "../../errors/index.ts";
import { forgetProcessGroup, trackProcessGroup } from "./groups.ts";
import { HeadTailBuffer } from "./head-tail-buffer.ts";
import { LineSplitter, LineTail } from "./line-splitter.ts";
import { groupRunning, signalGroup } from "./proc.ts";

export type OutputStream = "stdout" | "stderr";

/**
 * What happens to the output:
 * - `lines`: every line to `onLine` as it arrives (stage commands, executors); only the tail is kept.
 * - `capped`: stdout and stderr interleaved, cut to head and tail beyond `capBytes` (diagnostics).
 * - `all`: stdout and stderr kept whole and separately, and interleaved (git, homelab tools).
 */
export type OutputMode =
  | {
      mode: "lines";
      onLine?: (line: string, stream: OutputStream) => void;
      tailLines?: number;
      /** A longer line is passed on in pieces of this many characters. */
      maxLineChars?: number;
    }
  | { mode: "capped"; capBytes: number; tailLines?: number }
  | { mode: "all"; tailLines?: number };

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to the process's stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string | Buffer;
  /** Under 2^31 ms (about 24.8 days), the longest a Node timer holds; a longer one is refused. */
  timeoutMs?: number;
  signal?: AbortSignal;
  output: OutputMode;
  /** Between SIGTERM and SIGKILL to the process group (default 5 s). */
  killGraceMs?: number;
  /** How long to wait for the output pipes once the process has ended (default 250 ms). */
  pipeGraceMs?: number;
  /** Called once the process runs, e.g. to record its group. Must not throw. */
  onSpawn?: (child: { pid: number }) => void;
}

export type StartFailureKind = "not-found" | "not-executable" | "cwd-missing" | "other";

/** Why a process could not be started at all. */
export interface StartFailure {
  kind: StartFailureKind;
  /** One line naming the program and the cause, e.g. "talosctl was not found on PATH". */
  message: string;
}

/** A finished process, whatever the ending: a failed command is an outcome, not an exception. */
export interface ProcessResult {
  argv: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Stopped through the abort signal (Ctrl-C, or the caller giving up). */
  interrupted: boolean;
  startFailure: StartFailure | undefined;
  /** `startFailure.message`, for callers that only print it. */
  startError: string | undefined;
  durationMs: number;
  /** Whole stdout and stderr in `all` mode; empty otherwise. */
  stdout: string;
  stderr: string;
  /** Both streams as they arrived: whole in `all` mode, head and tail in `capped` mode, empty in `lines` mode. */
  interleaved: string;
  /** The last output lines, both streams interleaved. */
  tail: string[];
  outputBytes: number;
  stdoutBytes: number;
  stderrBytes: number;
  /** Part of the output was cut (`capped` mode). */
  truncated: boolean;
  /**
   * The process ended but something outside its group (e.g. started with `setsid`) still held
   * the output pipes; they were closed rather than waited for.
   */
  pipesAbandoned: boolean;
}

const DEFAULT_KILL_GRACE_MS = 5000;
const DEFAULT_PIPE_GRACE_MS = 250;
const DEFAULT_TAIL_LINES = 200;
const TAIL_MAX_CHARS = 256 * 1024;

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
      void this.#settle(pipesClosed);
    });
    if (options.timeoutMs !== undefined) {
      this.#timers.push(
        setTimeout(() => {
          this.#timedOut = true;
          this.#stop();
        }, options.timeoutMs),
      );
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

/** Gathers output as the mode asks, and always a bounded tail of lines. */
class Collector {
  readonly #mode: OutputMode;
  readonly #tail: LineTail;
  /** Absent when nobody wants lines (capture modes with `tailLines: 0`, e.g. git). */
  readonly #splitters: Record<OutputStream, LineSplitter> | undefined;
  readonly #chunks: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  readonly #decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  readonly #interleaved: string[] = [];
  readonly #capped: HeadTailBuffer | undefined;
  readonly #bytes: Record<OutputStream, number> = { stdout: 0, stderr: 0 };

  constructor(mode: OutputMode) {
    this.#mode = mode;
    this.#tail = new LineTail(mode.tailLines ?? DEFAULT_TAIL_LINES, TAIL_MAX_CHARS);
    this.#capped = mode.mode === "capped" ? new HeadTailBuffer(mode.capBytes) : undefined;
    const splitter = (stream: OutputStream) =>
      new LineSplitter(
        (line) => {
          this.#tail.push(line);
          if (mode.mode === "lines") {
            mode.onLine?.(line, stream);
          }
        },
        mode.mode === "lines" ? mode.maxLineChars : undefined,
      );
    const wantsLines = mode.mode === "lines" || mode.tailLines !== 0;
    this.#splitters = wantsLines ? { stdout: splitter("stdout"), stderr: splitter("stderr") } : undefined;
  }

  write(stream: OutputStream, chunk: Buffer): void {
    this.#bytes[stream] += chunk.length;
    this.#splitters?.[stream].write(chunk);
    if (this.#mode.mode === "all") {
      this.#chunks[stream].push(chunk);
      this.#interleaved.push(this.#decoders[stream].write(chunk));
    } else {
      this.#capped?.write(chunk);
    }
  }

  end(): Pick<
    ProcessResult,
    "stdout" | "stderr" | "interleaved" | "tail" | "outputBytes" | "stdoutBytes" | "stderrBytes" | "truncated"
  > {
    this.#splitters?.stdout.end();
    this.#splitters?.stderr.end();
    let interleaved = "";
    if (this.#mode.mode === "all") {
      this.#interleaved.push(this.#decoders.stdout.end(), this.#decoders.stderr.end());
      interleaved = this.#interleaved.join("");
    } else if (this.#capped) {
      interleaved = this.#capped.text();
    }
    return {
      stdout: Buffer.concat(this.#chunks.stdout).toString("utf8"),
      stderr: Buffer.concat(this.#chunks.stderr).toString("utf8"),
      interleaved,
      tail: this.#tail.lines(),
      outputBytes: this.#bytes.stdout + this.#bytes.stderr,
      stdoutBytes: this.#bytes.stdout,
      stderrBytes: this.#bytes.stderr,
      truncated: this.#capped?.truncated ?? false,
    };
  }
}

async function classifyStartFailure(
  error: NodeJS.ErrnoException,
  program: string,
  cwd: string,
): Promise<StartFailure> {
  if (error.code === "ENOENT") {
    // Node reports a missing working folder as the program's ENOENT too.
    if (!(await isFolder(cwd))) {
      return {
        kind: "cwd-missing",
        message: `${program} could not start in ${cwd}: that folder does not exist`,
      };
    }
    return {
      kind: "not-found",
      message: program.includes("/") ? `${program} does not exist` : `${program} was not found on PATH`,
    };
  }
  if (error.code === "EACCES") {
    return { kind: "not-executable", message: `${program} could not be started: permission denied` };
  }
  return { kind: "other", message: `${program} could not be started: ${error.message}` };
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return false;
    }
    return true; // cannot tell: do not blame the folder
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

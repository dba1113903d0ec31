import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { forgetProcessGroup, trackProcessGroup } from "./groups.ts";

export { forgetProcessGroup, killLiveProcessGroups, trackProcessGroup } from "./groups.ts";

/** A finished process, whatever the ending: a failed command is an outcome, not an exception. */
export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Stopped through the abort signal (Ctrl-C, or the caller giving up). */
  interrupted: boolean;
  /** The process could not be started at all (e.g. the program does not exist). */
  startError: string | undefined;
  durationMs: number;
  /** The last output lines (stdout and stderr interleaved as they arrived). */
  tail: string[];
  outputBytes: number;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once per complete output line, in arrival order. */
  onLine?: (line: string) => void;
  tailLines?: number;
  /** Time between SIGTERM and SIGKILL for the process group. */
  killGraceMs?: number;
}

/** Runs a user's stage command through `bash -c`; everything else uses `runArgv`. */
export function runShell(command: string, options: RunOptions): Promise<ProcessResult> {
  return runArgv(["bash", "-c", command], options);
}

/**
 * Spawns argv without a shell in a process group of its own, so a timeout or an
 * interrupt ends the whole tree: SIGTERM to the group, SIGKILL after a grace period.
 */
export function runArgv(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
  const [program, ...args] = argv;
  if (program === undefined) {
    throw new Error("runArgv needs a program");
  }
  const started = performance.now();
  const tailLimit = options.tailLines ?? 200;
  const tail: string[] = [];
  let outputBytes = 0;
  let timedOut = false;
  let interrupted = false;

  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const pid = child.pid;
    trackProcessGroup(pid);
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      if (pid === undefined) {
        return;
      }
      try {
        process.kill(-pid, signal);
      } catch {
        // the group is already gone
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 5000);
    };
    const timeoutTimer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);
    const onAbort = () => {
      interrupted = true;
      stop();
    };
    if (options.signal?.aborted) {
      onAbort();
    } else {
      options.signal?.addEventListener("abort", onAbort, { once: true });
    }

    const pushLine = (line: string) => {
      tail.push(line);
      if (tail.length > tailLimit) {
        tail.shift();
      }
      options.onLine?.(line);
    };
    const splitter = () => {
      let pending = "";
      // A multi-byte character may be split between two chunks.
      const decoder = new StringDecoder("utf8");
      return {
        write(chunk: Buffer) {
          outputBytes += chunk.length;
          pending += decoder.write(chunk);
          let newline = pending.indexOf("\n");
          while (newline !== -1) {
            pushLine(pending.slice(0, newline));
            pending = pending.slice(newline + 1);
            newline = pending.indexOf("\n");
          }
        },
        flush() {
          pending += decoder.end();
          if (pending !== "") {
            pushLine(pending);
            pending = "";
          }
        },
      };
    };
    const stdout = splitter();
    const stderr = splitter();
    child.stdout?.on("data", (chunk: Buffer) => stdout.write(chunk));
    child.stderr?.on("data", (chunk: Buffer) => stderr.write(chunk));

    let startError: string | undefined;
    child.on("error", (error) => {
      startError = error.message;
    });
    child.on("exit", () => {
      // Leftover background children would keep the pipes open; the tree is ours to end.
      killGroup("SIGTERM");
    });
    child.on("close", (exitCode, signal) => {
      forgetProcessGroup(pid);
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      stdout.flush();
      stderr.flush();
      resolve({
        exitCode,
        signal,
        timedOut,
        interrupted,
        startError,
        durationMs: Math.round(performance.now() - started),
        tail,
        outputBytes,
      });
    });
  });
}

/** "exit 1", "killed by SIGKILL (timed out after 20m)", ... for messages and logs. */
export function describeEnding(result: ProcessResult, timeoutLabel?: string): string {
  if (result.startError) {
    return `could not start: ${result.startError}`;
  }
  if (result.timedOut) {
    return `timed out${timeoutLabel ? ` after ${timeoutLabel}` : ""} and was stopped with its children`;
  }
  if (result.interrupted) {
    return "interrupted and stopped with its children";
  }
  if (result.signal) {
    return `killed by ${result.signal}`;
  }
  return `exit ${result.exitCode}`;
}

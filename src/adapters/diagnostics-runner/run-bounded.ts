import { spawn } from "node:child_process";
import { forgetProcessGroup, trackProcessGroup } from "../process/index.ts";
import { HeadTailBuffer } from "./head-tail-buffer.ts";

export interface BoundedRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  startError: string | undefined;
  /** Head and tail of stdout and stderr, interleaved as they arrived. Not yet redacted. */
  output: string;
  outputBytes: number;
  truncated: boolean;
  durationMs: number;
}

export interface BoundedRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  capBytes: number;
  /** Between SIGTERM and SIGKILL to the process group. */
  killGraceMs: number;
}

/**
 * Runs argv without a shell, stdin closed, in a process group of its own. On timeout the
 * whole group gets SIGTERM, then SIGKILL; when the command exits, whatever it left running in
 * its group is killed too, so a diagnostic never outlives its answer.
 */
export function runBounded(argv: readonly string[], options: BoundedRunOptions): Promise<BoundedRun> {
  const [program, ...args] = argv;
  if (program === undefined) {
    throw new Error("runBounded needs a program");
  }
  const started = performance.now();
  const output = new HeadTailBuffer(options.capBytes);
  let timedOut = false;
  let startError: string | undefined;

  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    trackProcessGroup(child.pid);
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) {
        return;
      }
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
    };
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) {
        return;
      }
      settled = true;
      forgetProcessGroup(child.pid);
      for (const timer of timers) {
        clearTimeout(timer);
      }
      resolve({
        exitCode,
        signal,
        timedOut,
        startError,
        output: output.text(),
        outputBytes: output.totalBytes,
        truncated: output.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    };

    timers.push(
      setTimeout(() => {
        timedOut = true;
        killGroup("SIGTERM");
        timers.push(
          setTimeout(() => {
            killGroup("SIGKILL");
            // A process that left the group could still hold the pipes open: stop waiting for it.
            timers.push(
              setTimeout(() => {
                child.stdout?.destroy();
                child.stderr?.destroy();
                finish(child.exitCode, child.signalCode);
              }, options.killGraceMs),
            );
          }, options.killGraceMs),
        );
      }, options.timeoutMs),
    );

    child.stdout?.on("data", (chunk: Buffer) => output.write(chunk));
    child.stderr?.on("data", (chunk: Buffer) => output.write(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      startError =
        error.code === "ENOENT"
          ? `${program} was not found on PATH`
          : `${program} could not be started: ${error.message}`;
      if (child.pid === undefined) {
        finish(null, null);
      }
    });
    child.on("exit", () => killGroup("SIGKILL"));
    child.on("close", (exitCode, signal) => finish(exitCode, signal));
  });
}

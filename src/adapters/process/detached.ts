import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

/**
 * Starts a long-lived program in a session of its own, its output appended to `logFile`, and
 * returns at once: a background service (the sandbox lab of `orchestrator lab up`) that outlives
 * this process. Everything that runs to its end goes through `runProcess` instead.
 */
export function startDetached(
  argv: readonly string[],
  options: { cwd: string; logFile: string },
): {
  pid: number | undefined;
  exited: () => boolean;
} {
  const [program, ...args] = argv;
  if (program === undefined) {
    throw new Error("startDetached needs a program");
  }
  const log = openSync(options.logFile, "a");
  try {
    const child = spawn(program, args, { cwd: options.cwd, detached: true, stdio: ["ignore", log, log] });
    child.unref();
    return { pid: child.pid, exited: () => child.exitCode !== null || child.signalCode !== null };
  } finally {
    closeSync(log);
  }
}

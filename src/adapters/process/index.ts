import { type ProcessResult, runProcess } from "./run-process.ts";

export { startDetached } from "./detached.ts";
export { forgetProcessGroup, killLiveProcessGroups, trackProcessGroup } from "./groups.ts";
export { cutMarker, HeadTailBuffer, startOnCharacter, TailBuffer } from "./head-tail-buffer.ts";
export { DEFAULT_MAX_LINE_CHARS, LineSplitter } from "./line-splitter.ts";
export { endGroup, groupRunning, hasProcFs, processStartTime } from "./proc.ts";
export {
  type OutputMode,
  type OutputStream,
  type ProcessOptions,
  type ProcessResult,
  runProcess,
  type StartFailure,
  type StartFailureKind,
} from "./run-process.ts";

/** Options of the line-streaming shorthands below. */
export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called once per output line, in arrival order. */
  onLine?: (line: string) => void;
  tailLines?: number;
  /** Time between SIGTERM and SIGKILL for the process group. */
  killGraceMs?: number;
  onSpawn?: (child: { pid: number }) => void;
}

/** Runs a user's command through `bash -c`, streaming its lines: `runProcess` in `lines` mode. */
export function runShell(command: string, options: RunOptions): Promise<ProcessResult> {
  return runArgv(["bash", "-c", command], options);
}

/** Runs argv without a shell, streaming its lines: `runProcess` in `lines` mode. */
export function runArgv(argv: readonly string[], options: RunOptions): Promise<ProcessResult> {
  return runProcess(argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    output: {
      mode: "lines",
      ...(options.onLine ? { onLine: options.onLine } : {}),
      ...(options.tailLines === undefined ? {} : { tailLines: options.tailLines }),
    },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  });
}

/** "exit 1", "killed by SIGKILL", "timed out after 20m and was stopped with its children", ... */
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

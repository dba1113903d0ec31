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

import { runProcess } from "../../adapters/process/index.ts";
import { ProcessError } from "../../errors/index.ts";

/** One finished run of an external CLI: stdout for parsing, stderr for errors, both in order for the log. */
export interface ToolRun {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr as they arrived (e.g. `flux check` reports its success on stderr). */
  readonly interleaved: string;
  readonly timedOut: boolean;
}

export interface ToolOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ended with its whole process group (SIGTERM, SIGKILL a second later) after this long. */
  readonly timeoutMs?: number;
}

/** A homelab CLI holds no state worth a long wait when it is stopped mid-call. */
const TOOL_KILL_GRACE_MS = 1000;

/** Exit status a shell gives a command it cannot find; callers print it like any failed run. */
const NOT_FOUND_EXIT = 127;

/**
 * A CLI the stage ran ended badly. Unlike other `ProcessError`s, `message` is the tool's own last
 * error line, which is what the orchestrator fingerprints and matches (e.g. "AlreadyExists",
 * "connection refused"); the command is in `argv` and the stage log prints it above the output.
 */
export class ToolError extends ProcessError {
  override name = "ToolError";
  readonly run: ToolRun;

  constructor(run: ToolRun) {
    super(
      { argv: run.argv, exitCode: run.exitCode, timedOut: run.timedOut, stderr: run.stderr },
      lastErrorLine(run),
    );
    this.run = run;
  }

  /** Every line the tool printed, stdout and stderr in the order they came. */
  get output(): string {
    return this.run.interleaved;
  }
}

/**
 * The tool's error as one line: its stderr (the last few lines, joined, since talosctl spreads one
 * error over "1 error occurred:" and "* …" lines), else the last stdout line, else the exit code.
 */
export function lastErrorLine(run: Pick<ToolRun, "argv" | "exitCode" | "stdout" | "stderr">): string {
  const linesOf = (text: string) =>
    text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
  const stderr = linesOf(run.stderr);
  if (stderr.length > 0) {
    return stderr.slice(-6).join(" ");
  }
  return (
    linesOf(run.stdout).at(-1) ?? `${run.argv[0]} exited ${run.exitCode ?? "by a signal"} without output`
  );
}

/** Runs argv without a shell and resolves with the outcome, whatever the exit code. */
export async function runTool(argv: readonly string[], options: ToolOptions): Promise<ToolRun> {
  const program = argv[0];
  if (program === undefined) {
    throw new TypeError("runTool needs a program");
  }
  const run = await runProcess(argv, {
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv,
    killGraceMs: TOOL_KILL_GRACE_MS,
    output: { mode: "all", tailLines: 0 },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (run.startFailure) {
    const why =
      run.startFailure.kind === "not-found"
        ? `${program}: command not found on PATH`
        : run.startFailure.message;
    return {
      argv,
      exitCode: NOT_FOUND_EXIT,
      stdout: "",
      stderr: `${why}\n`,
      interleaved: `${why}\n`,
      timedOut: false,
    };
  }
  if (run.timedOut) {
    const note = `${program}: killed after ${Math.round((options.timeoutMs ?? 0) / 1000)}s without finishing\n`;
    return {
      argv,
      exitCode: run.exitCode,
      stdout: run.stdout,
      stderr: `${run.stderr}${note}`,
      interleaved: `${run.interleaved}${note}`,
      timedOut: true,
    };
  }
  return {
    argv,
    exitCode: run.exitCode,
    stdout: run.stdout,
    stderr: run.stderr,
    interleaved: run.interleaved,
    timedOut: false,
  };
}

/** Runs argv and returns stdout, or throws a `ToolError` carrying the tool's error text. */
export async function runToolOrThrow(argv: readonly string[], options: ToolOptions): Promise<string> {
  const run = await runTool(argv, options);
  if (run.exitCode !== 0) {
    throw new ToolError(run);
  }
  return run.stdout;
}

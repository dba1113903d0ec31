import { spawn } from "node:child_process";

/** One finished run of an external CLI: stdout for parsing, every line for the log. */
export interface ToolRun {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ToolOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Killed (SIGKILL, the tool has no state worth saving mid-call) after this long. */
  readonly timeoutMs?: number;
}

/**
 * A CLI the stage ran ended badly. `message` is the tool's own last error line, which is what the
 * orchestrator fingerprints; `output` keeps every line for the log.
 */
export class ToolError extends Error {
  override name = "ToolError";
  readonly run: ToolRun;

  constructor(run: ToolRun) {
    super(lastErrorLine(run));
    this.run = run;
  }

  /** Every line the tool printed, stdout then stderr. */
  get output(): string {
    return `${this.run.stdout}${this.run.stderr}`;
  }
}

/**
 * The tool's error as one line: its stderr (the last few lines, joined, since talosctl spreads one
 * error over "1 error occurred:" and "* …" lines), else the last stdout line, else the exit code.
 */
export function lastErrorLine(run: ToolRun): string {
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
export function runTool(argv: readonly string[], options: ToolOptions): Promise<ToolRun> {
  const [program, ...args] = argv;
  if (program === undefined) {
    throw new Error("runTool needs a program");
  }
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `${program}: killed after ${Math.round((options.timeoutMs ?? 0) / 1000)}s without finishing\n`;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = error.code === "ENOENT" ? `${program}: command not found on PATH` : error.message;
      resolve({ argv, exitCode: 127, stdout, stderr: `${stderr}${why}\n` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ argv, exitCode: code, stdout, stderr });
    });
  });
}

/** Runs argv and returns stdout, or throws a `ToolError` carrying the tool's error text. */
export async function runToolOrThrow(argv: readonly string[], options: ToolOptions): Promise<string> {
  const run = await runTool(argv, options);
  if (run.exitCode !== 0) {
    throw new ToolError(run);
  }
  return run.stdout;
}

import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { StageSpec, SuccessCheck } from "../../config/index.ts";
import { formatDuration } from "../../core/duration/index.ts";
import { describeEnding, type ProcessResult, runShell } from "../process/index.ts";
import type { CheckResult } from "../state-store/index.ts";

export interface StageRunInput {
  stage: string;
  spec: StageSpec;
  /** The user's checkout: logs are written under its ai/logs. */
  repoRoot: string;
  /** Where the command runs (the AI branch's worktree once it exists); the stage's `cwd` is relative to it. */
  workdir: string;
  /** Run number within the episode, used in the log file name. */
  attempt: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  now?: Date;
}

export interface StageRunResult {
  /** Relative to the repo root, e.g. ai/logs/talos/talos_20261125-170211_attempt1.log */
  logFile: string;
  process: ProcessResult;
  checks: CheckResult[];
  green: boolean;
  startedAt: string;
  finishedAt: string;
  /** One line for the terminal and the journal: "exit 1", "timed out after 20m and was stopped…", "check “nodes” failed…" */
  summary: string;
}

/** Lines the tool itself adds to a stage log start with this, so readers can tell them from the command's. */
export const LOG_NOTE_PREFIX = "[orchestrator]";

/**
 * Runs a stage's command, then its success checks, writing everything to the attempt log.
 * Success means exit 0 and every check passing. Checks run only after a clean exit.
 */
export async function runStage(input: StageRunInput): Promise<StageRunResult> {
  const started = input.now ?? new Date();
  const logDir = join(input.repoRoot, "ai", "logs", input.stage);
  await mkdir(logDir, { recursive: true });
  const logPath = await createLogFile(logDir, input.stage, started, input.attempt);
  const log = createWriteStream(logPath, { flags: "a" });
  const writeLine = (line: string) => {
    log.write(`${line}\n`);
    input.onLine?.(line);
  };
  const cwd = resolve(input.workdir, input.spec.cwd ?? ".");
  const env = { ...input.env, ...input.spec.env };
  let result: ProcessResult;
  const checks: CheckResult[] = [];
  try {
    result = await runShell(input.spec.command ?? "false", {
      cwd,
      env,
      timeoutMs: input.spec.timeout,
      onLine: writeLine,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const ending = describeEnding(result, formatDuration(input.spec.timeout));
    if (result.exitCode !== 0 || result.timedOut || result.interrupted) {
      writeLine(`${LOG_NOTE_PREFIX} stage ${input.stage}: ${ending}`);
    }
    if (result.exitCode === 0 && !result.timedOut && !result.interrupted) {
      for (const check of input.spec.success_criteria) {
        const outcome = await runCheck(check, cwd, env, input.signal, writeLine);
        checks.push(outcome);
        if (!outcome.passed) {
          break;
        }
      }
    }
  } finally {
    await closeStream(log);
  }
  const failedCheck = checks.find((check) => !check.passed);
  // A command that traps SIGTERM may still exit 0 when stopped at its timeout: that is no success.
  const green = result.exitCode === 0 && !result.timedOut && !result.interrupted && failedCheck === undefined;
  return {
    logFile: relative(input.repoRoot, logPath),
    process: result,
    checks,
    green,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    summary: failedCheck
      ? `success check "${failedCheck.name}" failed: ${failedCheck.detail}`
      : describeEnding(result, formatDuration(input.spec.timeout)),
  };
}

/**
 * Checks are the human's own commands from the protected context map, trusted like the
 * stage command, so they run through bash too; their output goes into the attempt log
 * so that a failing check is what the fingerprint sees.
 */
async function runCheck(
  check: SuccessCheck,
  cwd: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  writeLine: (line: string) => void,
): Promise<CheckResult> {
  writeLine(`${LOG_NOTE_PREFIX} success check "${check.name}": ${check.command}`);
  const output: string[] = [];
  const result = await runShell(check.command, {
    cwd,
    env,
    timeoutMs: check.timeout ?? 60_000,
    tailLines: 2000,
    onLine: (line) => {
      output.push(line);
      writeLine(line);
    },
    ...(signal ? { signal } : {}),
  });
  let detail = "";
  if (result.timedOut) {
    detail = `${describeEnding(result, formatDuration(check.timeout ?? 60_000))}`;
  } else if (result.exitCode !== check.expect_exit) {
    detail = `expected exit ${check.expect_exit}, got ${describeEnding(result)}`;
  } else if (
    check.expect_output !== undefined &&
    !new RegExp(check.expect_output, "m").test(output.join("\n"))
  ) {
    detail = `output did not match /${check.expect_output}/`;
  }
  const passed = detail === "";
  if (!passed) {
    writeLine(`${LOG_NOTE_PREFIX} success check "${check.name}" failed: ${detail}`);
  }
  return { name: check.name, passed, detail: passed ? "ok" : detail };
}

/** `<stage>_<YYYYMMDD-HHMMSS>_attempt<N>.log`, the seed's naming; never overwrites an earlier log. */
async function createLogFile(dir: string, stage: string, at: Date, attempt: number): Promise<string> {
  const base = `${stage}_${timestamp(at)}_attempt${attempt}`;
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? `${base}.log` : `${base}-${n}.log`);
    try {
      await (await open(path, "wx")).close();
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
  }
}

export function timestamp(at: Date): string {
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolveClose, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolveClose()));
  });
}

/** Runs only the success checks (to see whether a green stage is still green); writes no log. */
export async function runSuccessChecks(input: {
  spec: StageSpec;
  workdir: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<CheckResult[]> {
  const cwd = resolve(input.workdir, input.spec.cwd ?? ".");
  const env = { ...input.env, ...input.spec.env };
  const results: CheckResult[] = [];
  for (const check of input.spec.success_criteria) {
    const outcome = await runCheck(check, cwd, env, input.signal, () => undefined);
    results.push(outcome);
    if (!outcome.passed) {
      break;
    }
  }
  return results;
}

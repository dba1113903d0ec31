import { mkdir, open } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { StageSpec, SuccessCheck } from "../../config/index.ts";
import { formatDuration } from "../../core/duration/index.ts";
import { isoStamp, stageLogFile } from "../../core/repo-layout/index.ts";
import { LOG_HEADER_END } from "../log-tail/index.ts";
import { describeEnding, type ProcessResult, runShell } from "../process/index.ts";
import type { CheckResult } from "../state-store/index.ts";
import { CappedLog, type LogCap } from "./capped-log.ts";
import { endOrphanedGroup, groupRecorder, type OrphanedGroup } from "./group-record.ts";

export { DEFAULT_LOG_HEAD_BYTES, DEFAULT_LOG_TAIL_BYTES, type LogCap } from "./capped-log.ts";
export type { OrphanedGroup } from "./group-record.ts";

export interface StageRunInput {
  stage: string;
  spec: StageSpec;
  /** The user's checkout: logs are written under its ai/logs, the process-group record under ai/state. */
  repoRoot: string;
  /** Where the command runs (the AI branch's worktree once it exists); the stage's `cwd` is relative to it. */
  workdir: string;
  /** Run number within the episode, used in the log file name. */
  attempt: number;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
  now?: Date;
  /** For the log header: the AI branch's commit the stage runs on. */
  aiCommit?: string;
  /** For the log header: what was linked into the worktree from the user's checkout. */
  linked?: readonly string[];
  /** Head and tail kept of a long log (default 8 MiB each). */
  logCap?: LogCap;
  /** Between SIGTERM and SIGKILL, for the stage on timeout and for a group an earlier run left. */
  killGraceMs?: number;
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
  /** A process group an earlier, killed run of this stage left running, ended before this run. */
  endedOrphan?: OrphanedGroup;
  /** The AI-branch commit the run ran against, as the caller gave it (for the log header). */
  aiCommit?: string;
}

/** Lines the tool itself adds to a stage log start with this, so readers can tell them from the command's. */
export const LOG_NOTE_PREFIX = "[orchestrator]";

const DEFAULT_KILL_GRACE_MS = 5000;

/**
 * Runs a stage's command, then its success checks, writing everything to the attempt log.
 * Success means exit 0 and every check passing. Checks run only after a clean exit.
 */
export async function runStage(input: StageRunInput): Promise<StageRunResult> {
  const started = input.now ?? new Date();
  const killGraceMs = input.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const orphan = await endOrphanedGroup(input.repoRoot, input.stage, killGraceMs);
  const logFile = await createLogFile(input.repoRoot, input.stage, started, input.attempt);
  const log = new CappedLog(join(input.repoRoot, logFile), input.logCap);
  const writeLine = (line: string) => {
    log.writeLine(line);
    input.onLine?.(line);
  };
  const cwd = resolve(input.workdir, input.spec.cwd ?? ".");
  const env = { ...input.env, ...input.spec.env };
  const command = input.spec.command ?? "false";
  for (const line of logHeader(input, command, cwd, started, orphan)) {
    log.writeLine(line);
  }
  let result: ProcessResult;
  const checks: CheckResult[] = [];
  try {
    const recorder = groupRecorder(input.repoRoot, input.stage, command);
    try {
      result = await runShell(command, {
        cwd,
        env,
        timeoutMs: input.spec.timeout,
        killGraceMs,
        onLine: writeLine,
        onSpawn: recorder.onSpawn,
        ...(input.signal ? { signal: input.signal } : {}),
      });
    } finally {
      await recorder.done();
    }
    const ending = describeEnding(result, formatDuration(input.spec.timeout));
    if (result.exitCode !== 0 || result.timedOut || result.interrupted) {
      writeLine(`${LOG_NOTE_PREFIX} stage ${input.stage}: ${ending}`);
    }
    if (result.exitCode === 0 && !result.timedOut && !result.interrupted) {
      for (const check of input.spec.success_criteria) {
        const outcome = await runCheck(check, cwd, env, input.signal, writeLine, input);
        checks.push(outcome);
        if (!outcome.passed) {
          break;
        }
      }
    }
  } finally {
    await log.close();
  }
  const failedCheck = checks.find((check) => !check.passed);
  // A command that traps SIGTERM may still exit 0 when stopped at its timeout: that is no success.
  const green = result.exitCode === 0 && !result.timedOut && !result.interrupted && failedCheck === undefined;
  return {
    logFile,
    process: result,
    checks,
    green,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    summary: failedCheck
      ? `success check "${failedCheck.name}" failed: ${failedCheck.detail}`
      : describeEnding(result, formatDuration(input.spec.timeout)),
    ...(orphan.ended ? { endedOrphan: orphan.ended } : {}),
    ...(input.aiCommit === undefined ? {} : { aiCommit: input.aiCommit }),
  };
}

/**
 * What a reader of the log needs before the output: what ran, where, when, on which commit, and
 * anything the tool did first. It ends with `LOG_HEADER_END`, so the log-tail reader (and with
 * it the fingerprint) skips it.
 */
function logHeader(
  input: StageRunInput,
  command: string,
  cwd: string,
  started: Date,
  orphan: { ended?: OrphanedGroup; note?: string },
): string[] {
  const lines = [
    `stage: ${input.stage}, attempt ${input.attempt}`,
    `command: ${command}`,
    `working folder: ${cwd}`,
    `started: ${isoStamp(started)}`,
  ];
  if (input.aiCommit !== undefined) {
    lines.push(`AI-branch commit: ${input.aiCommit}`);
  }
  if (input.linked !== undefined && input.linked.length > 0) {
    lines.push(`linked from your checkout: ${input.linked.join(", ")}`);
  }
  if (orphan.ended) {
    const { pgid, command: earlier, startedAt, endedWith } = orphan.ended;
    lines.push(
      `an earlier run of this stage was still running (process group ${pgid}, started ${startedAt}: ${earlier}); it was ended with ${endedWith} before this run`,
    );
  }
  if (orphan.note !== undefined) {
    lines.push(orphan.note);
  }
  return [...lines.map((line) => `${LOG_NOTE_PREFIX} ${line}`), LOG_HEADER_END];
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
  recordIn?: { repoRoot: string; stage: string },
): Promise<CheckResult> {
  writeLine(`${LOG_NOTE_PREFIX} success check "${check.name}": ${check.command}`);
  const output: string[] = [];
  const recorder = recordIn ? groupRecorder(recordIn.repoRoot, recordIn.stage, check.command) : undefined;
  let result: ProcessResult;
  try {
    result = await runShell(check.command, {
      cwd,
      env,
      timeoutMs: check.timeout ?? 60_000,
      tailLines: 2000,
      onLine: (line) => {
        output.push(line);
        writeLine(line);
      },
      ...(recorder ? { onSpawn: recorder.onSpawn } : {}),
      ...(signal ? { signal } : {}),
    });
  } finally {
    await recorder?.done();
  }
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

/**
 * `ai/logs/<stage>/<stage>_<YYYYMMDD-HHMMSS>_attempt<N>.log` (UTC, the seed's naming), returned
 * relative to the repo root; never overwrites an earlier log.
 */
async function createLogFile(repoRoot: string, stage: string, at: Date, attempt: number): Promise<string> {
  const first = stageLogFile(stage, at, attempt);
  await mkdir(join(repoRoot, first, ".."), { recursive: true });
  const base = first.slice(0, -".log".length);
  for (let n = 1; ; n++) {
    const logFile = n === 1 ? first : `${base}-${n}.log`;
    try {
      await (await open(join(repoRoot, logFile), "wx")).close();
      return logFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
  }
}

/** Runs only the success checks (to see whether a green stage is still green); writes no log. */
export async function runSuccessChecks(input: {
  spec: StageSpec;
  workdir: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of the checks' output and notes, for `verify` to show. */
  onLine?: (line: string) => void;
}): Promise<CheckResult[]> {
  const cwd = resolve(input.workdir, input.spec.cwd ?? ".");
  const env = { ...input.env, ...input.spec.env };
  const results: CheckResult[] = [];
  for (const check of input.spec.success_criteria) {
    const outcome = await runCheck(check, cwd, env, input.signal, input.onLine ?? (() => undefined));
    results.push(outcome);
    if (!outcome.passed) {
      break;
    }
  }
  return results;
}

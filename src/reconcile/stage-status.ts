import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import type { LastRun, StageStatusEntry } from "../adapters/state-store/index.ts";

export function failedStatus(result: StageRunResult, reason: string, attempt: number): StageStatusEntry {
  return { status: "failed", since: new Date().toISOString(), reason, lastRun: lastRunOf(result, attempt) };
}

export function lastRunOf(result: StageRunResult, attempt: number): LastRun {
  return {
    attempt,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    logFile: result.logFile,
    exitCode: result.process.exitCode,
    signal: result.process.signal,
    timedOut: result.process.timedOut,
    interrupted: result.process.interrupted,
    durationMs: result.process.durationMs,
    checks: result.checks,
  };
}

import { join } from "node:path";
import { readIfExists } from "./atomic-file.ts";
import { lockHolder } from "./lock.ts";
import type { LockOwner, StageStatusName } from "./schema.ts";

/*
 * What `status` shows, read without zod: the status command must start in well under twice
 * Node's own start, and zod alone costs about that. Reading is as tolerant as the full store:
 * a field of the wrong type is treated as absent, never as an error.
 */

export interface StageStatusView {
  status: StageStatusName | undefined;
  since: string | undefined;
  reason: string | undefined;
  pid: number | undefined;
  host: string | undefined;
  logFile: string | undefined;
}

export interface StageErrorsView {
  fingerprint: string | undefined;
  attempts: Record<string, number>;
  apiCalls: Record<string, number>;
  executorRuns: number;
  apiCallsTotal: number;
  tokens: { input: number; output: number };
}

export interface StatusView {
  statuses: Record<string, StageStatusView>;
  errors: Record<string, StageErrorsView>;
  lock: LockOwner | undefined;
  warnings: string[];
}

const STATUS_NAMES: readonly string[] = ["idle", "running", "green", "failed", "give_up"];

export async function readStatusView(repoRoot: string): Promise<StatusView> {
  const dir = join(repoRoot, "ai", "state");
  const warnings: string[] = [];
  const [statusFile, errorsFile, lock] = await Promise.all([
    readStages(join(dir, "stage_status.json"), warnings),
    readStages(join(dir, "errors.json"), warnings),
    lockHolder(join(dir, "lock")),
  ]);
  const statuses: Record<string, StageStatusView> = {};
  for (const [stage, value] of Object.entries(statusFile)) {
    const entry = record(value);
    const lastRun = record(entry["lastRun"]);
    const status = text(entry["status"]);
    statuses[stage] = {
      status: status && STATUS_NAMES.includes(status) ? (status as StageStatusName) : undefined,
      since: text(entry["since"]),
      reason: text(entry["reason"]),
      pid: count(entry["pid"]),
      host: text(entry["host"]),
      logFile: text(lastRun["logFile"]),
    };
  }
  const errors: Record<string, StageErrorsView> = {};
  for (const [stage, value] of Object.entries(errorsFile)) {
    const entry = record(value);
    const tokens = record(entry["tokens"]);
    errors[stage] = {
      fingerprint: text(entry["fingerprint"]),
      attempts: counts(entry["attempts"]),
      apiCalls: counts(entry["apiCalls"]),
      executorRuns: count(entry["executorRuns"]) ?? 0,
      apiCallsTotal: count(entry["apiCallsTotal"]) ?? 0,
      tokens: { input: count(tokens["input"]) ?? 0, output: count(tokens["output"]) ?? 0 },
    };
  }
  return { statuses, errors, lock, warnings };
}

async function readStages(path: string, warnings: string[]): Promise<Record<string, unknown>> {
  const content = await readIfExists(path);
  if (content === undefined) {
    return {};
  }
  try {
    return record(record(JSON.parse(content))["stages"]);
  } catch {
    warnings.push(`${path} could not be read; the next run sets it aside and starts afresh`);
    return {};
  }
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function counts(value: unknown): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, entry] of Object.entries(record(value))) {
    const number = count(entry);
    if (number !== undefined) {
      result[key] = number;
    }
  }
  return result;
}

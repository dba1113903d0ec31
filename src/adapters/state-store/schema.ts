/**
 * The formats of `ai/state/*.json`, version 1, documented in docs/state-files.md.
 *
 * Read tolerantly, by hand rather than with zod: every run and every `status` reads these
 * files, and loading zod alone costs about as much as Node's own start (measured with
 * `npm run bench`). A field of the wrong type reads as absent (its default); unknown fields are
 * kept, so a newer tool's fields survive an older one rewriting the file; an entry without a
 * valid status is dropped by the store with a warning.
 */

import { STAGE_STATUS_NAMES, type StageStatusName } from "../../core/stage-status/index.ts";

export { STAGE_STATUS_NAMES, type StageStatusName };

export interface CheckResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface LastRun {
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  logFile: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
  checks: CheckResult[];
}

export interface StageStatusEntry {
  status: StageStatusName;
  since: string;
  reason?: string;
  pid?: number;
  host?: string;
  lastRun?: LastRun;
  /** The AI branch tip when the stage gave up: a human's fix is what came after it. */
  giveUpHead?: string;
  /** The escalation folder a give_up points the human to. */
  caseDir?: string;
  [unknownField: string]: unknown;
}

export interface HistoryEntry {
  at: string;
  fingerprint: string;
  exact?: string;
  attempt: number;
  action: string;
  reason: string;
  logFile?: string;
}

export interface TokenUsage {
  input: number;
  output: number;
}

export interface StageErrors {
  /** The fingerprint (template hash) of the latest failure; absent after green or reset. */
  fingerprint?: string;
  exact?: string;
  /** Runs per fingerprint in the current episode (since the last green or reset). */
  attempts: Record<string, number>;
  /** API calls per fingerprint in the current episode. */
  apiCalls: Record<string, number>;
  executorRuns: number;
  apiCallsTotal: number;
  tokens: TokenUsage;
  episodeStartedAt?: string;
  /** Remembered fixes already replayed in this episode. */
  triedFixes: string[];
  modelGaveUp?: { fingerprint: string; reason: string };
  /** The AI branch commit at which the stage was last green. */
  lastGreenCommit?: string;
  /** Where the escalation for the current fingerprint keeps its case files. */
  escalation?: { id: string; fingerprint: string; version: number; dir: string };
  /** What the last executor run of this episode said, for the next case file. */
  executorNotes?: { summary: string; filesOpened: string[] };
  history: HistoryEntry[];
  [unknownField: string]: unknown;
}

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  command?: string;
  /** The holder's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  startTicks?: number;
}

/** A stage's status entry, or undefined when it has no valid status (the store drops it). */
export function readStageStatusEntry(value: unknown): StageStatusEntry | undefined {
  const entry = record(value);
  const status = text(entry["status"]);
  const since = text(entry["since"]);
  if (!isStatusName(status) || since === undefined) {
    return undefined;
  }
  const lastRun = readLastRun(entry["lastRun"]);
  return {
    ...entry,
    status,
    since,
    ...optional("reason", text(entry["reason"])),
    ...optional("pid", integer(entry["pid"])),
    ...optional("host", text(entry["host"])),
    ...optional("lastRun", lastRun),
    ...optional("giveUpHead", text(entry["giveUpHead"])),
    ...optional("caseDir", text(entry["caseDir"])),
  };
}

/** A stage's error record with every default filled in; never fails. */
export function readStageErrors(value: unknown): StageErrors {
  const entry = record(value);
  const tokens = record(entry["tokens"]);
  const modelGaveUp = record(entry["modelGaveUp"]);
  const escalation = record(entry["escalation"]);
  const gaveUpFingerprint = text(modelGaveUp["fingerprint"]);
  const gaveUpReason = text(modelGaveUp["reason"]);
  const escalationId = text(escalation["id"]);
  const escalationFingerprint = text(escalation["fingerprint"]);
  const escalationVersion = integer(escalation["version"]);
  const escalationDir = text(escalation["dir"]);
  return {
    ...entry,
    ...optional("fingerprint", text(entry["fingerprint"])),
    ...optional("exact", text(entry["exact"])),
    attempts: counts(entry["attempts"]),
    apiCalls: counts(entry["apiCalls"]),
    executorRuns: integer(entry["executorRuns"]) ?? 0,
    apiCallsTotal: integer(entry["apiCallsTotal"]) ?? 0,
    tokens: { ...tokens, input: number(tokens["input"]) ?? 0, output: number(tokens["output"]) ?? 0 },
    ...optional("episodeStartedAt", text(entry["episodeStartedAt"])),
    triedFixes: list(entry["triedFixes"], text),
    ...optional(
      "modelGaveUp",
      gaveUpFingerprint !== undefined && gaveUpReason !== undefined
        ? { fingerprint: gaveUpFingerprint, reason: gaveUpReason }
        : undefined,
    ),
    ...optional("lastGreenCommit", text(entry["lastGreenCommit"])),
    ...optional(
      "escalation",
      escalationId !== undefined &&
        escalationFingerprint !== undefined &&
        escalationVersion !== undefined &&
        escalationDir !== undefined
        ? {
            id: escalationId,
            fingerprint: escalationFingerprint,
            version: escalationVersion,
            dir: escalationDir,
          }
        : undefined,
    ),
    ...optional("executorNotes", readExecutorNotes(entry["executorNotes"])),
    history: list(entry["history"], readHistoryEntry),
  };
}

function readExecutorNotes(value: unknown): { summary: string; filesOpened: string[] } | undefined {
  const notes = record(value);
  const summary = text(notes["summary"]);
  return summary === undefined ? undefined : { summary, filesOpened: list(notes["filesOpened"], text) };
}

/** A fresh error record (a new episode), keeping the given fields. */
export function newStageErrors(
  keep: { [K in keyof StageErrors]?: StageErrors[K] | undefined } = {},
): StageErrors {
  return readStageErrors(JSON.parse(JSON.stringify(keep)));
}

function readLastRun(value: unknown): LastRun | undefined {
  const run = record(value);
  const attempt = integer(run["attempt"]);
  const startedAt = text(run["startedAt"]);
  const logFile = text(run["logFile"]);
  if (attempt === undefined || startedAt === undefined || logFile === undefined) {
    return undefined;
  }
  return {
    ...run,
    attempt,
    startedAt,
    ...optional("finishedAt", text(run["finishedAt"])),
    logFile,
    exitCode: integer(run["exitCode"]) ?? null,
    signal: text(run["signal"]) ?? null,
    timedOut: run["timedOut"] === true,
    interrupted: run["interrupted"] === true,
    durationMs: number(run["durationMs"]) ?? 0,
    checks: list(run["checks"], readCheckResult),
  };
}

function readCheckResult(value: unknown): CheckResult | undefined {
  const check = record(value);
  const name = text(check["name"]);
  return name === undefined || typeof check["passed"] !== "boolean"
    ? undefined
    : { name, passed: check["passed"], detail: text(check["detail"]) ?? "" };
}

function readHistoryEntry(value: unknown): HistoryEntry | undefined {
  const entry = record(value);
  const at = text(entry["at"]);
  const fingerprint = text(entry["fingerprint"]);
  const attempt = integer(entry["attempt"]);
  const action = text(entry["action"]);
  const reason = text(entry["reason"]);
  if (at === undefined || fingerprint === undefined || attempt === undefined || action === undefined) {
    return undefined;
  }
  return {
    at,
    fingerprint,
    ...optional("exact", text(entry["exact"])),
    attempt,
    action,
    reason: reason ?? "",
    ...optional("logFile", text(entry["logFile"])),
  };
}

function isStatusName(value: string | undefined): value is StageStatusName {
  return (STAGE_STATUS_NAMES as readonly (string | undefined)[]).includes(value);
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function number(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function integer(value: unknown): number | undefined {
  return Number.isInteger(value) ? (value as number) : undefined;
}

function counts(value: unknown): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, entry] of Object.entries(record(value))) {
    const count = integer(entry);
    if (count !== undefined) {
      result[key] = count;
    }
  }
  return result;
}

function list<T>(value: unknown, read: (item: unknown) => T | undefined): T[] {
  return Array.isArray(value) ? value.map(read).filter((item): item is T => item !== undefined) : [];
}

/** `{ [key]: value }` when the value is there, `{}` otherwise (exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

import { z } from "zod";

/**
 * The formats of `ai/state/*.json`. Version 1, documented in docs/state-files.md.
 * Read tolerantly: unknown fields are kept (looseObject), so a newer tool's fields survive an older one.
 */

export const StageStatusName = z.enum(["idle", "running", "green", "failed", "give_up"]);
export type StageStatusName = z.output<typeof StageStatusName>;

export const CheckResult = z.looseObject({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string().default(""),
});
export type CheckResult = z.output<typeof CheckResult>;

export const LastRun = z.looseObject({
  attempt: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  logFile: z.string(),
  exitCode: z.number().int().nullable().default(null),
  signal: z.string().nullable().default(null),
  timedOut: z.boolean().default(false),
  interrupted: z.boolean().default(false),
  durationMs: z.number().default(0),
  checks: z.array(CheckResult).default([]),
});
export type LastRun = z.output<typeof LastRun>;

export const StageStatusEntry = z.looseObject({
  status: StageStatusName,
  since: z.string(),
  reason: z.string().optional(),
  pid: z.number().int().optional(),
  host: z.string().optional(),
  lastRun: LastRun.optional(),
});
export type StageStatusEntry = z.output<typeof StageStatusEntry>;

export const StageStatusFile = z.looseObject({
  version: z.literal(1),
  stages: z.record(z.string(), z.unknown()),
});

export const HistoryEntry = z.looseObject({
  at: z.string(),
  fingerprint: z.string(),
  exact: z.string().optional(),
  attempt: z.number().int(),
  action: z.string(),
  reason: z.string(),
  logFile: z.string().optional(),
});
export type HistoryEntry = z.output<typeof HistoryEntry>;

export const TokenUsage = z.looseObject({
  input: z.number().default(0),
  output: z.number().default(0),
});
export type TokenUsage = z.output<typeof TokenUsage>;

export const StageErrors = z.looseObject({
  /** The fingerprint (template hash) of the latest failure; absent after green or reset. */
  fingerprint: z.string().optional(),
  exact: z.string().optional(),
  /** Runs per fingerprint in the current episode (since the last green or reset). */
  attempts: z.record(z.string(), z.number().int()).default({}),
  /** API calls per fingerprint in the current episode. */
  apiCalls: z.record(z.string(), z.number().int()).default({}),
  executorRuns: z.number().int().default(0),
  apiCallsTotal: z.number().int().default(0),
  tokens: TokenUsage.default({ input: 0, output: 0 }),
  episodeStartedAt: z.string().optional(),
  /** Remembered fixes already replayed in this episode. */
  triedFixes: z.array(z.string()).default([]),
  modelGaveUp: z.looseObject({ fingerprint: z.string(), reason: z.string() }).optional(),
  /** The AI branch commit at which the stage was last green. */
  lastGreenCommit: z.string().optional(),
  /** Where the escalation for the current fingerprint keeps its case files. */
  escalation: z
    .looseObject({ id: z.string(), fingerprint: z.string(), version: z.number().int(), dir: z.string() })
    .optional(),
  history: z.array(HistoryEntry).default([]),
});
export type StageErrors = z.output<typeof StageErrors>;

export const ErrorsFile = z.looseObject({
  version: z.literal(1),
  stages: z.record(z.string(), z.unknown()),
});

export const LockOwner = z.object({
  pid: z.number().int(),
  host: z.string(),
  since: z.string(),
  command: z.string().optional(),
});
export type LockOwner = z.output<typeof LockOwner>;

import { join } from "node:path";
import { readLogTail } from "../adapters/log-tail/index.ts";
import type { ListenerRoutes } from "../adapters/metrics-server/index.ts";
import { readJournalLines } from "../adapters/notify/journal-lines.ts";
import { explainEpisode, lastEpisode } from "../core/explain/index.ts";
import type { JournalRecord } from "../core/journal/index.ts";
import { healthOf, renderMetrics, type StageFigures } from "../core/metrics/index.ts";
import type { JournalLine } from "../core/notify/index.ts";
import { renderStatusPage } from "../core/status-page/index.ts";
import { statusReport } from "./commands/status.ts";
import type { GlobalOptions } from "./global-options.ts";

/** What the converge loop tells the listener about its passes; the loop updates it in place. */
export interface PassClock {
  passes: number;
  skippedPasses: number;
  running: boolean;
  lastPassEndMs?: number;
  lastPassDurationMs?: number;
  /** The last sign of life: a pass began or ended, a stage started, wrote a line or finished. */
  lastBeatMs: number;
  everyMs: number;
  graceMs: number;
}

/**
 * The listener's three views, each read from the repo's state at request time (status, errors,
 * journal), so a scrape or a page always shows what `orchestrator status` would.
 */
export function serviceRoutes(
  repoRoot: string,
  options: GlobalOptions,
  env: Readonly<Record<string, string | undefined>>,
  clock: PassClock,
  now: () => number = Date.now,
): ListenerRoutes {
  const health = () => healthOf(clock, now());
  return {
    health,
    async metrics() {
      const [report, lines] = await Promise.all([
        statusReport(repoRoot, options, env),
        readJournalLines(repoRoot),
      ]);
      const byStage = tally(lines);
      const stages = report.stages.map(
        (row): StageFigures => ({
          stage: row.stage,
          status: row.status,
          attempts: row.attempts,
          executorRuns: row.executorRuns,
          apiCallsTotal: row.apiCallsTotal,
          tokens: row.tokens,
          ...lastGreenOf(byStage.lastGreen, row.stage),
          fixes: byStage.fixes.get(row.stage) ?? { applied: 0, replayed: 0, reverted: 0, proposed: 0 },
        }),
      );
      return renderMetrics({
        stages,
        notificationsFailed: byStage.notificationsFailed,
        pass: {
          passes: clock.passes,
          skippedPasses: clock.skippedPasses,
          running: clock.running,
          everySeconds: clock.everyMs / 1000,
          ...(clock.lastPassEndMs === undefined ? {} : { lastPassEndSeconds: clock.lastPassEndMs / 1000 }),
          ...(clock.lastPassDurationMs === undefined
            ? {}
            : { lastPassDurationSeconds: clock.lastPassDurationMs / 1000 }),
        },
      });
    },
    async page() {
      const [report, lines] = await Promise.all([
        statusReport(repoRoot, options, env),
        readJournalLines(repoRoot),
      ]);
      // explain reads the journal union; a line of a type it does not know tells nothing.
      const records = lines as unknown as JournalRecord[];
      const stories = report.stages
        .map((row) => ({ stage: row.stage, episode: lastEpisode(records, row.stage) }))
        .filter((entry) => entry.episode.length > 0)
        .map((entry) => ({ stage: entry.stage, story: explainEpisode(entry.stage, entry.episode) }));
      return renderStatusPage({
        repo: report.repo,
        generatedAt: new Date(now()).toISOString(),
        health: health(),
        stages: report.stages,
        stories,
        proposals: openProposals(lines),
        tails: await lastOutput(repoRoot, report.stages),
      });
    },
  };
}

const TAIL_LINES = 30;

async function lastOutput(
  repoRoot: string,
  rows: readonly { stage: string; status: string; lastLog: string | null }[],
): Promise<{ stage: string; logFile: string; text: string }[]> {
  const tails: { stage: string; logFile: string; text: string }[] = [];
  for (const row of rows) {
    if (row.status === "green" || row.lastLog === null) {
      continue;
    }
    try {
      tails.push({
        stage: row.stage,
        logFile: row.lastLog,
        text: await readLogTail(join(repoRoot, row.lastLog), TAIL_LINES),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw error;
      }
    }
  }
  return tails;
}

function lastGreenOf(lastGreen: Map<string, number>, stage: string): { lastGreenSeconds?: number } {
  const seconds = lastGreen.get(stage);
  return seconds === undefined ? {} : { lastGreenSeconds: seconds };
}

function tally(lines: readonly JournalLine[]) {
  const lastGreen = new Map<string, number>();
  const fixes = new Map<string, StageFigures["fixes"]>();
  let notificationsFailed = 0;
  const of = (stage: string) => {
    let entry = fixes.get(stage);
    if (!entry) {
      entry = { applied: 0, replayed: 0, reverted: 0, proposed: 0 };
      fixes.set(stage, entry);
    }
    return entry;
  };
  for (const line of lines) {
    const stage = typeof line["stage"] === "string" ? line["stage"] : undefined;
    if (line.type === "notification_failed") {
      notificationsFailed++;
    }
    if (stage === undefined) {
      continue;
    }
    if (line.type === "stage_green") {
      lastGreen.set(stage, Date.parse(line.at) / 1000);
    } else if (line.type === "patch_applied") {
      of(stage).applied++;
    } else if (line.type === "fix_replayed" && line["outcome"] === "patched") {
      of(stage).replayed++;
    } else if (line.type === "patch_reverted") {
      of(stage).reverted++;
    } else if (line.type === "fix_proposed") {
      of(stage).proposed++;
    }
  }
  return { lastGreen, fixes, notificationsFailed };
}

function proposalId(line: JournalLine): string | undefined {
  for (const field of ["id", "proposalId"]) {
    const value = line[field];
    if (typeof value === "string" && value !== "") {
      return value;
    }
  }
  return undefined;
}

/**
 * Fixes proposed and not yet settled: a `fix_proposed` line with no later line (approved,
 * rejected, whatever its type) carrying the same proposal id.
 */
export function openProposals(lines: readonly JournalLine[]) {
  const open = new Map<string, { id: string; stage: string; summary: string; at: string }>();
  for (const line of lines) {
    const id = proposalId(line);
    if (id === undefined) {
      continue;
    }
    if (line.type === "fix_proposed") {
      const stage = typeof line["stage"] === "string" ? line["stage"] : "?";
      const summary = typeof line["summary"] === "string" ? line["summary"] : "";
      open.set(id, { id, stage, summary, at: line.at });
    } else {
      open.delete(id);
    }
  }
  return [...open.values()];
}

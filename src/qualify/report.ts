import { alignColumns } from "../core/text/index.ts";
import { FAULT_CLASSES, type FaultClass } from "./faults.ts";
import type { FaultResult } from "./run-fault.ts";

/** What `orchestrator qualify --json` writes and `ai/state/qualify.json` keeps. */
export interface QualifyReport {
  readonly version: 1;
  readonly finishedAt: string;
  readonly executor: string;
  readonly model: string;
  readonly results: readonly FaultResult[];
  readonly summary: QualifySummary;
}

export interface QualifySummary {
  readonly perClass: Record<FaultClass, { converged: number; total: number }>;
  /** API requests per escalation (a case file sent), over every fault. */
  readonly callsPerEscalation: number;
  /** Tokens spent per converged configuration fault. */
  readonly tokensPerFix: number;
  readonly seconds: number;
}

export function summarize(results: readonly FaultResult[], seconds: number): QualifySummary {
  const perClass = Object.fromEntries(
    FAULT_CLASSES.map((kind) => {
      const rows = results.filter((row) => row.class === kind);
      return [kind, { converged: rows.filter((row) => row.converged).length, total: rows.length }];
    }),
  ) as QualifySummary["perClass"];
  const escalations = results.reduce((sum, row) => sum + row.escalations, 0);
  const calls = results.reduce((sum, row) => sum + row.apiCalls, 0);
  const fixed = results.filter((row) => row.class === "configuration" && row.converged);
  const tokens = fixed.reduce((sum, row) => sum + row.tokens, 0);
  return {
    perClass,
    callsPerEscalation: escalations === 0 ? 0 : round(calls / escalations),
    tokensPerFix: fixed.length === 0 ? 0 : Math.round(tokens / fixed.length),
    seconds: round(seconds),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

export function formatReport(report: QualifyReport): string {
  const header = [
    "FAULT",
    "STAGE",
    "CLASS",
    "CONVERGED",
    "RUNS",
    "EXEC",
    "CALLS",
    "TOKENS",
    "TIME",
    "REASON",
  ];
  const rows = report.results.map((row) => [
    row.fault,
    row.stage,
    row.class,
    row.converged ? `yes (${row.ending})` : `no (${row.ending})`,
    String(row.stageRuns),
    String(row.executorRuns),
    String(row.apiCalls),
    String(row.tokens),
    `${row.seconds}s`,
    oneLine(row.reason, 110),
  ]);
  const { summary } = report;
  const classes = FAULT_CLASSES.filter((kind) => summary.perClass[kind].total > 0).map((kind) => {
    const { converged, total } = summary.perClass[kind];
    return `${kind} ${converged}/${total} (${total === 0 ? 0 : Math.round((converged / total) * 100)}%)`;
  });
  return [
    ...alignColumns([header, ...rows]),
    "",
    `executor: ${report.executor} · model: ${report.model}`,
    `converged: ${classes.join(", ")} (unfixable: stopped naming the cause)`,
    `API calls per escalation: ${summary.callsPerEscalation} · tokens per configuration fix: ${summary.tokensPerFix} · wall time ${summary.seconds}s`,
    "",
  ].join("\n");
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || "-";
}

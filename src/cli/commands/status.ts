import { hostname } from "node:os";
import { ProposalStore } from "../../adapters/proposals/index.ts";
import { processExists, StateStore } from "../../adapters/state-store/index.ts";
// Not through config/index.ts, which loads the YAML parser and zod: status must start fast.
import { loadContextMap } from "../../config/context-map.ts";
import { resolveSettings } from "../../config/settings.ts";
import { alignColumns, stripControls } from "../../core/text/index.ts";
import { lastQualificationLine } from "../../qualify/last.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

export interface StageStatusRow {
  stage: string;
  status:
    | "idle"
    | "running"
    | "green"
    | "failed"
    | "give_up"
    | "needs_human"
    | "awaiting_approval"
    | "interrupted"
    | "not configured";
  since: string | null;
  reason: string | null;
  fingerprint: string | null;
  attempts: number;
  executorRuns: number;
  apiCalls: number;
  apiCallsTotal: number;
  tokens: { input: number; output: number };
  lastLog: string | null;
}

export interface StatusReport {
  version: 1;
  repo: string;
  lock: { pid: number; host: string; since: string } | null;
  executor: string;
  api: { configured: boolean; model: string; baseUrl: string };
  stages: StageStatusRow[];
  /** Fixes proposed and not yet approved or rejected (`orchestrator approve ID` / `reject ID`). */
  awaitingApproval: {
    id: string;
    stage: string;
    commit: string;
    source: string;
    summary: string;
    since: string;
  }[];
  warnings: string[];
}

export async function statusReport(
  repoRoot: string,
  options: GlobalOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<StatusReport> {
  const contextMap = await loadContextMap(repoRoot);
  const settings = resolveSettings(contextMap, env, options);
  const state = new StateStore(repoRoot, { readOnly: true });
  const [statuses, errors, lock, awaiting] = await Promise.all([
    state.stageStatuses(),
    state.allStageErrors(),
    state.lockHolder(),
    new ProposalStore(repoRoot).awaiting(),
  ]);
  const warnings = state.warnings;
  const stages = Object.entries(contextMap.stages).map(([stage, spec]): StageStatusRow => {
    const entry = statuses[stage];
    const stageErrors = errors[stage];
    const fingerprint = entry?.status === "green" ? undefined : stageErrors?.fingerprint;
    let status: StageStatusRow["status"] = spec.command ? (entry?.status ?? "idle") : "not configured";
    let reason = entry?.reason ?? null;
    // A stage runs only while a run holds the lock: "running" without one is left over from a
    // run that could not record its end (killed, or its disk full).
    if (
      status === "running" &&
      entry?.pid !== undefined &&
      entry.host === hostname() &&
      (!processExists(entry.pid) || lock === undefined)
    ) {
      status = "interrupted";
      reason = `the run (pid ${entry.pid}) ended without finishing; run the stage again to continue`;
    }
    return {
      stage,
      status,
      since: entry?.since ?? null,
      reason,
      fingerprint: fingerprint ?? null,
      attempts: fingerprint ? (stageErrors?.attempts[fingerprint] ?? 0) : 0,
      executorRuns: stageErrors?.executorRuns ?? 0,
      apiCalls: fingerprint ? (stageErrors?.apiCalls[fingerprint] ?? 0) : 0,
      apiCallsTotal: stageErrors?.apiCallsTotal ?? 0,
      tokens: stageErrors
        ? { input: stageErrors.tokens.input, output: stageErrors.tokens.output }
        : { input: 0, output: 0 },
      lastLog: entry?.lastRun?.logFile ?? null,
    };
  });
  const executor = settings.executor;
  return {
    version: 1,
    repo: repoRoot,
    lock: lock ? { pid: lock.pid, host: lock.host, since: lock.since } : null,
    executor,
    api: {
      configured: settings.openai.apiKey !== undefined,
      model: settings.openai.model,
      baseUrl: settings.openai.baseUrl,
    },
    stages,
    awaitingApproval: awaiting.map((proposal) => ({
      id: proposal.id,
      stage: proposal.stage,
      commit: proposal.commit,
      source: proposal.source,
      summary: proposal.summary,
      since: proposal.createdAt,
    })),
    warnings,
  };
}

/** `orchestrator status [--json]`: exit 1 while a stage is in give_up (it waits for a human), else 0. */
export async function run(
  _args: [],
  options: GlobalOptions & { json?: boolean },
  io: CliIO,
): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  const report = await statusReport(repoRoot, options, io.env);
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  const qualification = options.json ? undefined : await lastQualificationLine(repoRoot);
  if (qualification !== undefined) {
    io.stdout.write(`${qualification}\n`);
  }
  return report.stages.some((row) => row.status === "give_up") ? 1 : 0;
}

export function formatStatus(report: StatusReport): string {
  const header = ["STAGE", "STATUS", "SINCE", "FINGERPRINT", "ATTEMPTS", "CALLS", "LAST LOG"];
  const rows = report.stages.map((row) => [
    row.stage,
    row.status,
    row.since ? row.since.replace("T", " ").slice(0, 19) : "-",
    row.fingerprint ?? "-",
    String(row.attempts),
    `${row.apiCalls}/${row.apiCallsTotal}`,
    row.lastLog ?? "-",
  ]);
  const out = alignColumns([header, ...rows]);
  const notes = report.stages
    .filter((row) => row.reason && row.status !== "green" && row.status !== "idle")
    .map((row) => `  ${row.stage}: ${row.reason}`);
  if (notes.length > 0) {
    out.push("", ...notes);
  }
  if (report.awaitingApproval.length > 0) {
    out.push(
      "",
      "awaiting approval:",
      ...report.awaitingApproval.map(
        (proposal) =>
          `  ${proposal.id}  ${proposal.stage}  ${proposal.commit.slice(0, 10)} (source: ${proposal.source}): ${stripControls(proposal.summary) || "no summary"}` +
          ` — orchestrator approve ${proposal.id} | orchestrator reject ${proposal.id}`,
      ),
    );
  }
  const spending = report.stages
    .filter((row) => row.apiCallsTotal > 0 || row.executorRuns > 0)
    .map(
      (row) =>
        `  ${row.stage}: ${row.executorRuns} executor run${row.executorRuns === 1 ? "" : "s"}, ` +
        `${row.apiCallsTotal} API call${row.apiCallsTotal === 1 ? "" : "s"}, ` +
        `${row.tokens.input.toLocaleString("en")} tokens in / ${row.tokens.output.toLocaleString("en")} out`,
    );
  if (spending.length > 0) {
    out.push("", "spent so far:", ...spending);
  }
  const executor =
    report.executor === "none"
      ? "executor: none (plain retries below the threshold)"
      : report.executor === "auto"
        ? "executor: auto (the first available of codex, a local model, the built-in playbooks)"
        : `executor: ${report.executor}`;
  const api = report.api.configured
    ? `API: ${report.api.model} at ${report.api.baseUrl}`
    : "API: not configured (set OPENAI_API_KEY; without it a stage gives up at the threshold)";
  out.push("", `${executor} · ${api}`);
  if (report.lock) {
    out.push(`running now: pid ${report.lock.pid} on ${report.lock.host} since ${report.lock.since}`);
  }
  for (const warning of report.warnings) {
    out.push(`warning: ${warning}`);
  }
  return `${out.join("\n")}\n`;
}

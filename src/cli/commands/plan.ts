import { hostname } from "node:os";
import { FixMemory } from "../../adapters/fix-memory/index.ts";
import { ProposalStore } from "../../adapters/proposals/index.ts";
import { SideBranch } from "../../adapters/side-branch/index.ts";
import { processExists, type StageErrors, StateStore } from "../../adapters/state-store/index.ts";
import { loadContextMap, stageSpecOf } from "../../config/context-map.ts";
import type { StageSpec } from "../../config/schema.ts";
import { resolveSettings } from "../../config/settings.ts";
import {
  blockedStep,
  type PlanStep,
  planNeedsChecks,
  planStage,
  stopsARun,
  wouldRun,
} from "../../core/policy/plan.ts";
import type { Proposal } from "../../core/policy/proposal.ts";
import { stripControls } from "../../core/text/index.ts";
import type { StagePort } from "../../reconcile/index.ts";
import { stageEnv } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { withOwnBinFirst } from "../own-bin.ts";
import { homelabIn, stageRunner } from "../run-context.ts";

export interface PlanRow extends PlanStep {
  stage: string;
  status: string;
  /** The success checks run now (only a green stage's decide anything). */
  checks: { name: string; passed: boolean; detail: string }[] | null;
}

export interface PlanReport {
  version: 1;
  /** True when a run would run at least one stage command. */
  wouldRun: boolean;
  stages: PlanRow[];
  awaitingApproval: { id: string; stage: string; commit: string; source: string; summary: string }[];
  /** A run holding the repo's lock now: what it does may change this plan. */
  lock: { pid: number; host: string; since: string; command: string } | null;
}

/**
 * `orchestrator plan [stage|all] [--json]`: what a run would do now, stage by stage, and why.
 * Read-only: it runs success checks through the loop's own stage port (with local state linked
 * into the AI worktree, as a run would) but never a stage command, an executor or a model, and
 * writes no state and no journal. Exit 1 when a run would run something, 0 when not.
 */
export async function run(
  [target]: [string | undefined],
  options: GlobalOptions & { json?: boolean },
  io: CliIO,
): Promise<number> {
  const report = await planReport(repoRootOf(options, io), target ?? "all", options, io.env);
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatPlan(report));
  return report.wouldRun ? 1 : 0;
}

export async function planReport(
  repoRoot: string,
  target: string,
  options: GlobalOptions,
  baseEnv: NodeJS.ProcessEnv,
): Promise<PlanReport> {
  const contextMap = await loadContextMap(repoRoot);
  const settings = resolveSettings(contextMap, baseEnv, options);
  const names = target === "all" ? Object.keys(contextMap.stages) : [target];
  for (const name of names) {
    stageSpecOf(contextMap, name);
  }
  const state = new StateStore(repoRoot, { readOnly: true });
  const proposals = new ProposalStore(repoRoot);
  const memory = new FixMemory(repoRoot);
  const [statuses, errors, awaiting, lock] = await Promise.all([
    state.stageStatuses(),
    state.allStageErrors(),
    proposals.awaiting(),
    state.lockHolder(),
  ]);
  const env = withOwnBinFirst(baseEnv);
  let port: Promise<{ stages: StagePort; workdir: string }> | undefined;
  const checksPort = () => {
    port ??= SideBranch.open({ repoRoot, branch: settings.aiBranch }).then((side) => {
      const workdir = homelabIn(side, repoRoot);
      return { stages: stageRunner(repoRoot, workdir, side, contextMap), workdir };
    });
    return port;
  };
  const rows: PlanRow[] = [];
  let stopper: { stage: string; action: PlanStep["action"] } | undefined;
  for (const stage of names) {
    const spec = contextMap.stages[stage] as StageSpec;
    const entry = statuses[stage];
    if (stopper && spec.command !== undefined) {
      rows.push({ stage, status: entry?.status ?? "never run", ...blockedStep(stopper), checks: null });
      continue;
    }
    let status = entry?.status as string | undefined;
    let statusReason = entry?.reason;
    if (
      status === "running" &&
      entry?.pid !== undefined &&
      entry.host === hostname() &&
      !processExists(entry.pid)
    ) {
      status = "interrupted";
      statusReason = `the run (pid ${entry.pid}) ended without finishing`;
    }
    const facts = {
      configured: spec.command !== undefined,
      status,
      statusReason,
      checkCount: spec.success_criteria.length,
    };
    let checks: PlanRow["checks"] = null;
    if (planNeedsChecks(facts)) {
      const { stages, workdir } = await checksPort();
      checks = await stages.check({
        spec,
        env: stageEnv({ env, repoRoot, workspace: { workdir } }),
        signal: new AbortController().signal,
      });
    }
    const stageErrors = errors[stage];
    const fingerprint = status === "green" ? undefined : stageErrors?.fingerprint;
    const step = planStage({
      ...facts,
      checks: checks ?? undefined,
      fingerprint,
      untriedFixId: await untriedFix(memory, proposals, stage, stageErrors, fingerprint),
      awaiting: awaiting.filter((proposal) => proposal.stage === stage),
    });
    rows.push({ stage, status: status ?? "never run", ...step, checks });
    if (stopsARun(step.action)) {
      stopper = { stage, action: step.action };
    }
  }
  return {
    version: 1,
    wouldRun: rows.some((row) => wouldRun(row.action)),
    stages: rows,
    awaitingApproval: awaiting.filter((proposal) => names.includes(proposal.stage)).map(proposalRow),
    lock: lock
      ? { pid: lock.pid, host: lock.host, since: lock.since, command: lock.command ?? "a run" }
      : null,
  };
}

/** The remembered fix the loop would replay for the stage's current error: not tried, not rejected. */
async function untriedFix(
  memory: FixMemory,
  proposals: ProposalStore,
  stage: string,
  errors: StageErrors | undefined,
  fingerprint: string | undefined,
): Promise<string | undefined> {
  if (fingerprint === undefined || errors === undefined) {
    return undefined;
  }
  const rejected = await proposals.rejectedFixes(stage, fingerprint);
  return memory.untriedFix(stage, { template: fingerprint, exact: errors.exact ?? "" }, [
    ...errors.triedFixes,
    ...rejected,
  ]);
}

function proposalRow(proposal: Proposal): PlanReport["awaitingApproval"][number] {
  return {
    id: proposal.id,
    stage: proposal.stage,
    commit: proposal.commit,
    source: proposal.source,
    summary: proposal.summary,
  };
}

const ACTION_WORDS: Record<PlanStep["action"], string> = {
  nothing: "nothing",
  run: "run the stage",
  replay_fix: "replay a fix",
  awaiting_approval: "await approval",
  needs_human: "wait for a human",
  running: "running now",
  not_configured: "skip",
  blocked: "not reached",
};

export function formatPlan(report: PlanReport): string {
  const width = Math.max(5, ...report.stages.map((row) => row.stage.length));
  const lines = report.stages.map(
    (row) =>
      `${row.stage.padEnd(width)}  ${ACTION_WORDS[row.action].padEnd(16)}  ${stripControls(row.reason)}`,
  );
  for (const proposal of report.awaitingApproval) {
    lines.push(
      "",
      `proposal ${proposal.id} (${proposal.stage}, ${proposal.commit.slice(0, 10)}, source: ${proposal.source}): ${stripControls(proposal.summary) || "no summary"}`,
      `  approve: orchestrator approve ${proposal.id}    reject: orchestrator reject ${proposal.id}`,
    );
  }
  if (report.lock) {
    const { pid, host, since, command } = report.lock;
    lines.push(
      "",
      `a run holds the repo now (${stripControls(command)}, pid ${pid} on ${host} since ${since}): it may change this plan`,
    );
  }
  lines.push(
    "",
    report.wouldRun
      ? "A run would run the stages marked above."
      : "Nothing would run: every stage is as it should be or waits for a human.",
  );
  return `${lines.join("\n")}\n`;
}

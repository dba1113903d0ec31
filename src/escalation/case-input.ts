import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { gatherCaseContext } from "../adapters/case-context/index.ts";
import type { DiagnosticResult } from "../adapters/diagnostics-runner/index.ts";
import { readIfExists } from "../adapters/state-store/index.ts";
import type { StageSpec } from "../config/index.ts";
import type { CaseFileInput, CaseLiveFacts, CasePatch } from "../core/case-file/index.ts";
import type { FixRequest } from "../core/fixers/index.ts";
import { SEED_PROTECTED_PATHS, switchOffHandling, switchOffRules } from "../core/patch-guard/index.ts";
import { DEFAULT_SECRET_GLOBS, withoutToolCredentials } from "../core/redaction/index.ts";
import { DIAGNOSTICS_LOG_DIR, MASTER_MEMO_FILE } from "../core/repo-layout/index.ts";
import type { StageEscalationDeps } from "./stage-escalation.ts";

/** Everything case file v<N> says, gathered from the worktree, the state and this escalation so far. */
export async function caseInputFor(
  deps: StageEscalationDeps,
  request: FixRequest,
  spec: StageSpec,
  extra: {
    caseId: string;
    version: number;
    diagnostics: DiagnosticResult[];
    refused: CasePatch[];
    liveFacts: CaseLiveFacts;
  },
): Promise<CaseFileInput> {
  const worktree = deps.sideBranch.worktree;
  const memoText = await readIfExists(join(worktree, MASTER_MEMO_FILE));
  const context = await gatherCaseContext({
    worktree,
    worktreeGit: (args, opts) => deps.sideBranch.worktreeGit(args, opts),
    stageSpec: spec,
    secretGlobs: deps.contextMap.secrets,
    memoText,
    ...(request.episode.lastGreenCommit ? { lastGreenCommit: request.episode.lastGreenCommit } : {}),
    logTail: request.logTail,
  });
  const earlier = await earlierPatches(deps, request.stage);
  // A stage that runs its own checks (`orchestrator step`) fails before the success criteria run;
  // its log still says which check failed and why, and the case file must not call that "not run".
  const checks = new Map([
    ...checksInLog(request.logTail),
    ...request.checks.map((check) => [check.name, check] as const),
  ]);
  const notes = request.episode.executorNotes;
  return {
    stage: request.stage,
    goal:
      spec.description ??
      `make the ${request.stage} stage succeed: its command exits 0 and every success check passes`,
    ...(spec.command ? { command: spec.command } : {}),
    caseId: extra.caseId,
    version: extra.version,
    exitCode: request.exitCode,
    criteria: spec.success_criteria.map((criterion) => {
      const check = checks.get(criterion.name);
      return {
        name: criterion.name,
        command: criterion.command,
        expectExit: criterion.expect_exit,
        ...(criterion.expect_output !== undefined ? { expectOutput: criterion.expect_output } : {}),
        result: check ? (check.passed ? "passed" : "failed") : "not_run",
        ...(check && !check.passed ? { detail: check.detail } : {}),
      };
    }),
    fingerprint: {
      template: request.fingerprint.template,
      exact: request.fingerprint.exact,
      lines: request.fingerprint.lines,
    },
    attemptHistory: request.episode.history.map((entry) => ({
      attempt: entry.attempt,
      fingerprint: entry.fingerprint,
      source: entry.action,
      outcome: entry.reason,
      at: entry.at,
    })),
    logTail: request.logTail,
    logFile: request.logFile,
    files: context.files,
    skippedFiles: context.skipped,
    memoSections: context.memoSections,
    ...(context.changesSinceGreen ? { changesSinceGreen: context.changesSinceGreen } : {}),
    earlierPatches: [...earlier, ...extra.refused],
    diagnostics: extra.diagnostics,
    liveFacts: extra.liveFacts,
    ...(notes ? { executorNotes: notes } : {}),
    safety: {
      protectedPaths: [...SEED_PROTECTED_PATHS, ...deps.contextMap.protected],
      secretGlobs: [...DEFAULT_SECRET_GLOBS, ...deps.contextMap.secrets],
      maxFiles: deps.rules.maxFiles,
      maxChangedLines: deps.rules.maxChangedLines,
      allowedDiagnostics: spec.diagnostics,
      topLevelEntries: await readdir(worktree).then((names) => names.filter((name) => name !== ".git")),
      stageFiles: (deps.rules.stageScopes?.[request.stage]?.globs ?? []).map((entry) => entry.glob),
      // Refused, or proposed for a human where the model's fixes are proposed for approval.
      switchOffRules: switchOffRules(switchOffHandling(deps.rules, request.stage, "api")),
    },
    tokenBudget: deps.settings.caseFileTokenBudget,
  };
}

/**
 * Checks a stage ran itself, as its log reports them: `check <name>: ok (…)` passed, any other
 * `check <name>: <why>` failed (the last word wins; `waiting (n/m)` lines are progress, not results).
 */
export function checksInLog(logTail: string): Map<string, { name: string; passed: boolean; detail: string }> {
  const found = new Map<string, { name: string; passed: boolean; detail: string }>();
  for (const line of logTail.split("\n")) {
    const match = /\bcheck ([a-z0-9][\w.-]*): (.+)$/.exec(line.trim());
    if (!match || /^waiting \(\d+\/\d+\)$/.test(match[2] as string)) {
      continue;
    }
    const [, name, rest] = match as unknown as [string, string, string];
    const passed = rest.startsWith("ok (") || rest === "ok";
    found.set(name, { name, passed, detail: passed ? "" : rest });
  }
  return found;
}

/** The stage's AI commits (applied or reverted), newest first, as the model should hear of them. */
async function earlierPatches(deps: StageEscalationDeps, stage: string): Promise<CasePatch[]> {
  const commits = await deps.sideBranch.aiCommits({ stage });
  return commits.slice(0, 8).map((commit) => ({
    source: commit.source,
    summary: commit.summary,
    outcome: commit.reverted ? "reverted" : "applied",
    ...(commit.reverted ? { reasons: [commit.revertReason ?? "tried, did not help"] } : {}),
  }));
}

/**
 * Diagnostics run in the worktree with the read-only credentials the context map names, and
 * without the tool's own API keys in their environment.
 */
export function diagnosticsOptions(deps: StageEscalationDeps, stage: string, spec: StageSpec) {
  const env: NodeJS.ProcessEnv = withoutToolCredentials(deps.env);
  const credentials = deps.contextMap.diagnostics_credentials;
  // A read-only credential that has not been created yet is skipped: the argv policy still
  // holds, and the model is told through the command's own output what it could not read.
  const existing = (path: string | undefined) => {
    const absolute = path === undefined ? undefined : isAbsolute(path) ? path : join(deps.repoRoot, path);
    return absolute !== undefined && existsSync(absolute) ? absolute : undefined;
  };
  const talosconfig = existing(credentials.talosconfig);
  if (talosconfig) {
    env["TALOSCONFIG"] = talosconfig;
  }
  const kubeconfig = existing(credentials.kubeconfig);
  if (kubeconfig) {
    env["KUBECONFIG"] = kubeconfig;
  }
  // The Proxmox auditor token needs nothing here: `orchestrator proxmox get` reads the context
  // map's proxmox_token_id and the variable it names itself.
  return {
    stage,
    allowedPrefixes: spec.diagnostics,
    cwd: deps.sideBranch.worktree,
    env,
    logDir: join(deps.repoRoot, DIAGNOSTICS_LOG_DIR),
    redactor: deps.redactor,
  };
}

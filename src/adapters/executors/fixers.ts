import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import picomatch from "picomatch";
import { type ContextMap, parseDuration, type Settings } from "../../config/index.ts";
import { type GuardRules, guardRulesFrom, SEED_PROTECTED_PATHS } from "../../core/patch-guard/index.ts";
import { isSecretPath, knownSecretsFromEnv, Redactor } from "../../core/redaction/index.ts";
import { liveFactSource, type PlaybookFactSource } from "../../homelab/playbooks/index.ts";
import type { Fixers, FixRequest } from "../../reconcile/context.ts";
import { FixMemory } from "../fix-memory/index.ts";
import { git } from "../git/index.ts";
import type { SideBranch } from "../side-branch/index.ts";
import { chooseExecutor } from "./index.ts";
import { runExecutorFix } from "./run-fix.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export interface CreateFixersDeps {
  repoRoot: string;
  settings: Settings;
  contextMap: ContextMap;
  sideBranch: SideBranch;
  env: NodeJS.ProcessEnv;
  /** Default: Proxmox from the cluster file and talosctl, read-only. */
  facts?: PlaybookFactSource;
  /** Default: `ai/state/fixes.json` in the repo. */
  memory?: FixMemory;
  /** Default: chosen from `settings.executor` (`auto` resolves here, once). */
  executor?: Executor;
}

export const DEFAULT_EXECUTOR_TIMEOUT_MS = 10 * 60_000;
const INSTRUCTIONS_PATH = "ai/executor_instructions.md";

export interface ExecutorNotes {
  summary: string;
  filesOpened: string[];
}

export type CreatedFixers = Pick<Fixers, "executorName"> &
  Required<Pick<Fixers, "untriedFix" | "replayFix" | "rememberFix" | "demoteFix">> &
  Pick<Fixers, "runExecutor"> & {
    /** The last executor report for a stage, for the case file's "executor notes" (ranked first). */
    executorNotes(stage: string): ExecutorNotes | undefined;
    /** How many executor runs and executor API requests this process made (for figures). */
    counters: { executorRuns: number; executorApiRequests: number; replays: number };
    memory: FixMemory;
  };

/**
 * The loop's executor and fix-memory pieces from settings, the context map, the side branch and the
 * repo root, so wiring them is one call (src/cli/wire-fixers.ts makes it on first use).
 */
export async function createFixers(deps: CreateFixersDeps): Promise<CreatedFixers> {
  const redactor = new Redactor({ knownSecrets: knownSecretsFromEnv(deps.env) });
  const facts = deps.facts ?? liveFactSource({ baseDir: deps.repoRoot, env: deps.env });
  const executor =
    deps.executor ??
    (await chooseExecutor(deps.settings.executor, {
      settings: deps.settings,
      env: deps.env,
      redactor,
      facts,
    }));
  const memory = deps.memory ?? new FixMemory(deps.repoRoot);
  const rules: GuardRules = guardRulesFrom(deps.contextMap, deps.settings);
  const notes = new Map<string, ExecutorNotes>();
  const counters = { executorRuns: 0, executorApiRequests: 0, replays: 0 };
  const timeoutMs = parseDuration(deps.env["EXECUTOR_TIMEOUT"] ?? "") ?? DEFAULT_EXECUTOR_TIMEOUT_MS;

  const fixers: CreatedFixers = {
    executorName: executor?.kind ?? "none",
    executorNotes: (stage) => notes.get(stage),
    counters,
    memory,
    untriedFix: (stage, fingerprint, tried) => memory.untriedFix(stage, fingerprint, tried),
    async replayFix(fixId, request) {
      counters.replays += 1;
      return memory.replay(fixId, deps.sideBranch, rules, request.fingerprint);
    },
    async rememberFix(stage, fingerprint, commit, replayedFixId) {
      if (replayedFixId === undefined || (await memory.confirm(replayedFixId)) === undefined) {
        await memory.remember(stage, fingerprint, commit);
      }
    },
    async demoteFix(fixId) {
      await memory.demote(fixId);
    },
  };
  if (executor) {
    fixers.runExecutor = async (request: FixRequest) => {
      counters.executorRuns += 1;
      const executorRequest = await buildExecutorRequest(deps, request, timeoutMs);
      return runExecutorFix(executor, executorRequest, {
        sideBranch: deps.sideBranch,
        rules,
        repoRoot: deps.repoRoot,
        onReport: (report: ExecutorReport) => {
          counters.executorApiRequests += report.apiRequests ?? 0;
          const stageNotes = { summary: report.summary, filesOpened: report.filesOpened };
          notes.set(request.stage, stageNotes);
          // Notes help the next case file; failing to save them must not end the run.
          writeNotes(executorRequest.logDir, stageNotes).catch(() => undefined);
        },
      });
    };
  }
  return fixers;
}

async function writeNotes(logDir: string, notes: ExecutorNotes): Promise<void> {
  await mkdir(logDir, { recursive: true });
  await writeFile(join(logDir, "executor_notes.json"), `${JSON.stringify(notes, null, 2)}\n`);
}

export async function buildExecutorRequest(
  deps: Pick<CreateFixersDeps, "repoRoot" | "contextMap" | "sideBranch" | "settings">,
  request: FixRequest,
  timeoutMs: number,
): Promise<ExecutorRequest> {
  const spec = deps.contextMap.stages[request.stage];
  const worktree = deps.sideBranch.worktree;
  const instructions =
    (await readFile(join(deps.repoRoot, INSTRUCTIONS_PATH), "utf8").catch(() => undefined)) ??
    (await readFile(join(worktree, INSTRUCTIONS_PATH), "utf8").catch(() => ""));
  return {
    stage: request.stage,
    fingerprint: {
      template: request.fingerprint.template,
      exact: request.fingerprint.exact,
      lines: request.fingerprint.lines,
    },
    logTail: request.logTail,
    relevantFiles: await relevantFiles(worktree, spec?.files ?? [], deps.contextMap.secrets),
    instructions,
    worktree,
    logDir: join(deps.repoRoot, "ai", "logs", request.stage),
    timeoutMs,
    ...(spec?.description === undefined ? {} : { goal: spec.description }),
    safety: {
      protectedPaths: [...SEED_PROTECTED_PATHS, ...deps.contextMap.protected],
      secretGlobs: deps.contextMap.secrets,
      maxFiles: deps.settings.patchMaxFiles,
      maxChangedLines: deps.settings.patchMaxLines,
      allowedDiagnostics: spec?.diagnostics ?? [],
    },
  };
}

/** Tracked files of the worktree matching the stage's `files` globs, secret files left out. */
export async function relevantFiles(
  worktree: string,
  globs: readonly string[],
  secretGlobs: string[],
): Promise<string[]> {
  if (globs.length === 0) {
    return [];
  }
  const matchers = globs.map((glob) => picomatch(glob, { dot: true }));
  const { stdout } = await git(["ls-files", "-z"], { cwd: worktree });
  return stdout
    .split("\0")
    .filter(
      (path) => path !== "" && matchers.some((matches) => matches(path)) && !isSecretPath(path, secretGlobs),
    );
}

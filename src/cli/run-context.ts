import { join, relative } from "node:path";
import { git } from "../adapters/git/index.ts";
import { ProposalStore } from "../adapters/proposals/index.ts";
import { SideBranch } from "../adapters/side-branch/index.ts";
import { runStage, runSuccessChecks } from "../adapters/stage-runner/index.ts";
import { type HeldLock, StateStore } from "../adapters/state-store/index.ts";
// Not through config/index.ts, which loads the YAML parser and zod: a run whose context map is
// unchanged needs neither.
import { loadContextMap, stageSpecOf } from "../config/context-map.ts";
import type { ContextMap, StageSpec } from "../config/schema.ts";
import { resolveSettings, type SettingFlags } from "../config/settings.ts";
import { GitError, UserError } from "../errors/index.ts";
import type { Reporter, RunContext, StagePort, Workspace } from "../reconcile/index.ts";
import { interruptController } from "./interrupt.ts";
import type { CliIO } from "./io.ts";
import { withOwnBinFirst } from "./own-bin.ts";
import { terminalReporter } from "./progress.ts";
import { wireFixers } from "./wire-fixers.ts";

export interface OpenOptions {
  repoRoot: string;
  /** The stage (or "all") about to run or be reset: checked before anything is created. */
  target?: { stage: string; reset: boolean };
  flags: SettingFlags;
  /** Who takes the repo's lock, as the lock file and a refusal will say (e.g. "talos --reset"). */
  lockFor: string;
  reporter: Reporter;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads configuration, takes the repo's lock, and only then opens the AI worktree (which may
 * clear, reset or merge it) and wires the adapters. The caller releases the lock.
 */
export async function openRunContext(options: OpenOptions): Promise<{ ctx: RunContext; lock: HeldLock }> {
  const env = withOwnBinFirst(options.env ?? process.env);
  const contextMap = await loadContextMap(options.repoRoot);
  const settings = resolveSettings(contextMap, env, options.flags);
  const target = options.target;
  if (target && target.stage !== "all") {
    const spec = stageSpecOf(contextMap, target.stage);
    if (!spec.command && !target.reset) {
      throw new UserError(
        `stage "${target.stage}" is not configured: give it a command in ai/context_map.yaml`,
      );
    }
  }
  const state = new StateStore(options.repoRoot);
  await state.ensure();
  const lock = await state.lock(options.lockFor);
  try {
    if (lock.takenOverFrom) {
      await state.journal({ type: "lock_taken_over", from: lock.takenOverFrom });
    }
    const sideBranch = await openSideBranch(options.repoRoot, settings.aiBranch, state);
    const fixers = await wireFixers({
      repoRoot: options.repoRoot,
      contextMap,
      settings,
      sideBranch,
      state,
      env,
      signal: options.signal,
    });
    const ctx: RunContext = {
      repoRoot: options.repoRoot,
      contextMap,
      settings,
      state,
      workspace: sideBranchWorkspace(sideBranch, options.repoRoot),
      stages: stageRunner(options.repoRoot, homelabIn(sideBranch, options.repoRoot), sideBranch, contextMap),
      fixers,
      proposals: new ProposalStore(options.repoRoot, { branch: settings.aiBranch }),
      reporter: options.reporter,
      env,
      signal: options.signal,
      sleep: abortableSleep,
      redact: lazyRedactor(options.repoRoot, contextMap.secrets, env),
    };
    const delivery = await gitopsDelivery(env, options.repoRoot, settings.aiBranch);
    if (delivery) {
      ctx.delivery = delivery;
    }
    return { ctx, lock };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export type RunContextOptions = Omit<OpenOptions, "signal" | "reporter" | "env"> & {
  /** Default: the terminal's progress lines on stderr. */
  reporter?: Reporter;
  /** A signal the caller already listens with (converge, across its passes); default: Ctrl-C for this run. */
  signal?: AbortSignal;
};

/**
 * The one way a command runs with the run context: Ctrl-C set up (unless the caller's signal is
 * given), the context opened under the repo's lock, `body` run, and the lock released and the
 * Ctrl-C handlers removed whatever happens. `approve`, `reject`, `converge` and the stage run use it.
 */
export async function withRunContext<T>(
  io: CliIO,
  options: RunContextOptions,
  body: (opened: { ctx: RunContext; lock: HeldLock }) => Promise<T>,
): Promise<T> {
  const interrupt =
    options.signal === undefined ? interruptController(io) : { signal: options.signal, dispose() {} };
  try {
    const opened = await openRunContext({
      ...options,
      reporter: options.reporter ?? terminalReporter(io.stderr),
      signal: interrupt.signal,
      env: io.env,
    });
    try {
      return await body(opened);
    } finally {
      await opened.lock.release();
    }
  } finally {
    interrupt.dispose();
  }
}

/**
 * The AI branch's worktree, cleared of anything a killed run left uncommitted there (the
 * worktree is the tool's own), then brought up to date with the user's branch.
 */
async function openSideBranch(repoRoot: string, branch: string, state: StateStore): Promise<SideBranch> {
  const sideBranch = await SideBranch.open({ repoRoot, branch, log: (line) => state.warnings.push(line) });
  const savedTo = await sideBranch.setAsideLeftovers("run-start");
  if (savedTo) {
    state.warnings.push(`set aside uncommitted changes an earlier run left in the AI worktree: ${savedTo}`);
    await state.journal({ type: "worktree_leftovers_set_aside", savedTo });
  }
  const synced = await sideBranch.sync();
  if (synced.how !== "up-to-date") {
    await state.journal({ type: "ai_branch_synced", how: synced.how, branch, dropped: synced.dropped });
  }
  for (const dropped of synced.dropped) {
    state.warnings.push(
      `the AI branch was rebuilt on your branch without ${dropped.commit.slice(0, 10)} "${dropped.subject}": ${dropped.reason}`,
    );
  }
  return sideBranch;
}

/**
 * The homelab's folder inside the AI worktree: the worktree is a checkout of the whole git
 * repository, and the homelab (where ai/context_map.yaml is) may be a sub-folder of it.
 */
export function homelabIn(sideBranch: SideBranch, repoRoot: string): string {
  return join(sideBranch.worktree, relative(sideBranch.repoRoot, repoRoot));
}

/**
 * Stage commands and checks run in the AI worktree, with the user's local state (the ignored
 * files its `local_state` globs name) linked in; logs go to the repo's ai/logs.
 */
export function stageRunner(
  repoRoot: string,
  workdir: string,
  sideBranch: SideBranch,
  contextMap: ContextMap,
): StagePort {
  const link = async (spec: StageSpec) => {
    const { linkLocalState } = await import("../adapters/local-state/index.ts");
    return linkLocalState({
      repoRoot,
      gitTop: sideBranch.repoRoot,
      worktreeRoot: workdir,
      globs: spec.local_state ?? contextMap.local_state,
    });
  };
  return {
    run: async (input) => {
      const [{ linked }, aiCommit] = await Promise.all([link(input.spec), sideBranch.headCommit()]);
      return runStage({ ...input, repoRoot, workdir, aiCommit, linked });
    },
    check: async (input) => {
      await link(input.spec);
      return runSuccessChecks({ ...input, workdir });
    },
  };
}

/**
 * The redactor loads at the first text that needs it (a give_up): a green run never pays for it.
 * It masks secrets by shape and by value (the repo's secret files and credential variables).
 */
function lazyRedactor(
  repoRoot: string,
  secretGlobs: string[],
  env: NodeJS.ProcessEnv,
): (text: string) => Promise<string> {
  let loaded: Promise<{ redact(text: string): string }> | undefined;
  return async (text) => {
    loaded ??= import("../adapters/secret-values/index.ts").then(async ({ redactorForRepo }) => {
      const { redactor } = await redactorForRepo({ repoRoot, secretGlobs, env });
      return redactor;
    });
    return (await loaded).redact(text);
  };
}

/** GitOps delivery when GITOPS_APPROVAL turns it on; its modules load only then. */
async function gitopsDelivery(
  env: NodeJS.ProcessEnv,
  repoRoot: string,
  aiBranch: string,
): Promise<RunContext["delivery"]> {
  const approval = env["GITOPS_APPROVAL"];
  if (approval === undefined || approval === "" || approval === "off") {
    return undefined;
  }
  const [{ gitopsConfigFrom }, port] = await Promise.all([
    import("../adapters/gitops/config.ts"),
    import("../adapters/gitops/port.ts"),
  ]);
  const config = await gitopsConfigFrom(env, repoRoot);
  return config && port.gitopsDelivery({ repoRoot, aiBranch, config });
}

function sideBranchWorkspace(sideBranch: SideBranch, repoRoot: string): Workspace {
  return {
    workdir: homelabIn(sideBranch, repoRoot),
    head: () => sideBranch.headCommit(),
    revert: (commit, reason) => sideBranch.revert(commit, reason),
    holds: async (commit) => {
      const args = ["merge-base", "--is-ancestor", commit, await sideBranch.headCommit()];
      const answer = await git(args, { cwd: repoRoot, allowFailure: true });
      // 0: an ancestor, 1: not one (git-scm.com/docs/git-merge-base, --is-ancestor); a commit git
      // no longer knows is not on the branch either.
      if (answer.exitCode === 0 || answer.exitCode === 1) {
        return answer.exitCode === 0;
      }
      if (/not a valid commit name|bad object|unknown revision/i.test(answer.stderr)) {
        return false;
      }
      throw new GitError(args, answer.exitCode, answer.stderr);
    },
    changedSince: async (since) => {
      // Two commits compared, no work tree read: safe in the user's checkout, and `--relative`
      // keeps the paths relative to the homelab folder as the context map's globs are.
      const args = [
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--relative",
        since,
        await sideBranch.headCommit(),
        "--",
      ];
      const diff = await git(args, { cwd: repoRoot, allowFailure: true });
      if (diff.exitCode !== 0) {
        if (/unknown revision|bad revision|bad object|invalid object/i.test(diff.stderr)) {
          return undefined;
        }
        throw new GitError(args, diff.exitCode, diff.stderr);
      }
      return diff.stdout.split("\0").filter((path) => path !== "");
    },
  };
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

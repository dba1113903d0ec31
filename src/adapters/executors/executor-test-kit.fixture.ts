/** Test support for executor tests: a real homelab repo with its AI worktree and a request. Only tests import this. */
import { join } from "node:path";
import { afterEach } from "vitest";
import type { FixResult } from "../../reconcile/context.ts";
import { HOMELAB_RULES, type HomelabRepo, makeHomelabRepo } from "../side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../side-branch/index.ts";
import { type RunExecutorFixOptions, runExecutorFix } from "./run-fix.ts";
import type { Executor, ExecutorRequest } from "./types.ts";

export const STORAGE_ERROR_LINE =
  'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage';

export interface ExecutorKit {
  repo: HomelabRepo;
  sideBranch: SideBranch;
  request(overrides?: Partial<ExecutorRequest>): ExecutorRequest;
  /** Runs `executor` as the loop does: its change goes through the guard (HOMELAB_RULES) onto the AI branch. */
  runFix(
    executor: Executor,
    request?: ExecutorRequest,
    options?: Pick<RunExecutorFixOptions, "onReport">,
  ): Promise<FixResult>;
  git(args: string[], cwd?: string): string;
}

export async function executorKit(files?: Record<string, string>): Promise<ExecutorKit> {
  const repo = makeHomelabRepo(files);
  const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
  const request = (overrides: Partial<ExecutorRequest> = {}): ExecutorRequest => ({
    stage: "vms",
    fingerprint: { template: "a1b2c3d4e5f60718", exact: "0f1e2d3c4b5a6978", lines: [STORAGE_ERROR_LINE] },
    logTail: `vms: checking node pve\n${STORAGE_ERROR_LINE}\n`,
    relevantFiles: ["config/clusters/prox-n100.yaml"],
    instructions: "# Executor instructions\nKeep changes minimal.\n",
    worktree: sideBranch.worktree,
    logDir: join(repo.root, "ai", "logs", "vms"),
    timeoutMs: 20_000,
    ...overrides,
  });
  return {
    repo,
    sideBranch,
    git: (args, cwd = repo.root) => repo.run(args, cwd).trim(),
    request,
    runFix: (executor, fixRequest = request(), options = {}) =>
      runExecutorFix(executor, fixRequest, {
        sideBranch,
        rules: HOMELAB_RULES,
        repoRoot: repo.root,
        ...options,
      }),
  };
}

/**
 * For a test file's top level: returns a maker of default kits whose repos are removed after
 * each test.
 */
export function cleanedUpExecutorKits(): () => Promise<ExecutorKit> {
  const kits: ExecutorKit[] = [];
  afterEach(() => {
    for (const made of kits.splice(0)) {
      made.repo.cleanup();
    }
  });
  return async () => {
    const made = await executorKit();
    kits.push(made);
    return made;
  };
}

/** Test support for executor tests: a real homelab repo with its AI worktree and a request. Only tests import this. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { FixOutcome } from "../../core/fixers/index.ts";
import { HOMELAB_RULES, type HomelabRepo, makeHomelabRepo } from "../side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../side-branch/index.ts";
import { StateStore } from "../state-store/index.ts";
import { runExecutorFix } from "./run-fix.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export const STORAGE_ERROR_LINE =
  'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage';

export interface ExecutorKit {
  repo: HomelabRepo;
  sideBranch: SideBranch;
  request(overrides?: Partial<ExecutorRequest>): ExecutorRequest;
  /**
   * Runs `executor` as the loop does: its change goes through the one patch path (the guard with
   * HOMELAB_RULES) onto the AI branch. What the executor reported is added to `reports`.
   */
  runFix(executor: Executor, request?: ExecutorRequest): Promise<FixOutcome>;
  reports: ExecutorReport[];
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
    files: [
      {
        path: "config/clusters/prox-n100.yaml",
        content: readFileSync(join(repo.root, "config/clusters/prox-n100.yaml"), "utf8"),
        reason: "matches files glob config/clusters/**",
      },
    ],
    instructions: "# Executor instructions\nKeep changes minimal.\n",
    worktree: sideBranch.worktree,
    worktreeGit: (args) => sideBranch.worktreeGit(args),
    logDir: join(repo.root, "ai", "logs", "vms"),
    timeoutMs: 20_000,
    ...overrides,
  });
  const reports: ExecutorReport[] = [];
  return {
    repo,
    sideBranch,
    reports,
    git: (args, cwd = repo.root) => repo.run(args, cwd).trim(),
    request,
    async runFix(executor, fixRequest = request()) {
      const state = new StateStore(repo.root);
      const { outcome, report } = await runExecutorFix(executor, fixRequest, {
        sideBranch,
        rules: HOMELAB_RULES,
        repoRoot: repo.root,
        journal: (event) => state.journal(event),
      });
      reports.push(report);
      return outcome;
    },
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

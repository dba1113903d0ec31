/** Test support for executor tests: a real homelab repo with its AI worktree and a request. Only tests import this. */
import { join } from "node:path";
import { type HomelabRepo, makeHomelabRepo } from "../side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../side-branch/index.ts";
import type { ExecutorRequest } from "./types.ts";

export const STORAGE_ERROR_LINE =
  'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage';

export interface ExecutorKit {
  repo: HomelabRepo;
  sideBranch: SideBranch;
  request(overrides?: Partial<ExecutorRequest>): ExecutorRequest;
  git(args: string[], cwd?: string): string;
}

export async function executorKit(files?: Record<string, string>): Promise<ExecutorKit> {
  const repo = makeHomelabRepo(files);
  const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
  return {
    repo,
    sideBranch,
    git: (args, cwd = repo.root) => repo.run(args, cwd).trim(),
    request: (overrides = {}) => ({
      stage: "vms",
      fingerprint: { template: "a1b2c3d4e5f60718", exact: "0f1e2d3c4b5a6978", lines: [STORAGE_ERROR_LINE] },
      logTail: `vms: checking node pve\n${STORAGE_ERROR_LINE}\n`,
      relevantFiles: ["config/clusters/prox-n100.yaml"],
      instructions: "# Executor instructions\nKeep changes minimal.\n",
      worktree: sideBranch.worktree,
      logDir: join(repo.root, "ai", "logs", "vms"),
      timeoutMs: 20_000,
      ...overrides,
    }),
  };
}

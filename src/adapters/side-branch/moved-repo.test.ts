import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HOMELAB_RULES, type HomelabRepo, makeHomelabRepo, STORAGE_FIX } from "./homelab-repo.fixture.ts";
import { SideBranch } from "./index.ts";

const BRANCH = "ai/orchestrator-stage1";
const META = { stage: "vms", summary: "use local-zfs", fingerprint: "3f9a1c0de2b4", source: "api" };

const repos: HomelabRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) {
    repo.cleanup();
  }
});

async function repoWithAFix() {
  const repo = makeHomelabRepo();
  repos.push(repo);
  const first = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
  const applied = await first.apply(STORAGE_FIX, META, HOMELAB_RULES);
  if (applied.status !== "applied") {
    throw new Error("the fix did not apply");
  }
  return { repo, oldWorktree: first.worktree, fix: applied.commit };
}

const worktrees = (root: string) =>
  execFileSync("git", ["worktree", "list", "--porcelain"], { cwd: root, encoding: "utf8" });

describe("the AI worktree of a repository moved with mv", () => {
  it("is removed from its old path with a log line, and a new one carries the AI branch with its commits", async () => {
    const { repo, oldWorktree, fix } = await repoWithAFix();
    const moved = join(repo.root, "..", "moved-repo");
    execFileSync("mv", [repo.root, moved]);
    const logs: string[] = [];
    const side = await SideBranch.open({ repoRoot: moved, branch: BRANCH, log: (line) => logs.push(line) });
    expect(side.worktree).not.toBe(oldWorktree);
    expect(await side.headCommit()).toBe(fix);
    expect(existsSync(join(side.worktree, "config/clusters/prox-n100.yaml"))).toBe(true);
    expect(existsSync(oldWorktree)).toBe(false);
    expect(worktrees(moved)).not.toContain(oldWorktree);
    expect(logs).toEqual([
      `removed the AI worktree ${oldWorktree}, made when this repository was at another path; the AI branch and its commits stay`,
    ]);
    // The next open finds everything in order and says nothing.
    const quiet: string[] = [];
    await SideBranch.open({ repoRoot: moved, branch: BRANCH, log: (line) => quiet.push(line) });
    expect(quiet).toEqual([]);
  });

  it("prunes the record of one whose folder was deleted behind git's back, which git lists as prunable", async () => {
    const { repo, oldWorktree } = await repoWithAFix();
    const moved = join(repo.root, "..", "moved-repo");
    execFileSync("mv", [repo.root, moved]);
    rmSync(oldWorktree, { recursive: true, force: true });
    expect(worktrees(moved)).toContain("prunable gitdir file points to non-existent location");
    const logs: string[] = [];
    await SideBranch.open({ repoRoot: moved, branch: BRANCH, log: (line) => logs.push(line) });
    expect(logs).toEqual([
      `pruned the record of the AI worktree ${oldWorktree}: gitdir file points to non-existent location`,
    ]);
    expect(worktrees(moved)).not.toContain(oldWorktree);
  });

  it("leaves the worktree of the repository it was copied from alone, dropping only the copy's record", async () => {
    const { repo, oldWorktree, fix } = await repoWithAFix();
    const copy = join(repo.root, "..", "copied-repo");
    execFileSync("cp", ["-a", repo.root, copy]);
    const logs: string[] = [];
    const side = await SideBranch.open({ repoRoot: copy, branch: BRANCH, log: (line) => logs.push(line) });
    expect(await side.headCommit()).toBe(fix);
    expect(logs).toEqual([
      `dropped this repository's record of the AI worktree ${oldWorktree}, which belongs to another copy of it`,
    ]);
    // The original still has its worktree, healthy.
    expect(existsSync(join(oldWorktree, "config/clusters/prox-n100.yaml"))).toBe(true);
    const original = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(original.worktree).toBe(oldWorktree);
  });
});

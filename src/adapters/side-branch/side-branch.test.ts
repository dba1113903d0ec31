import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { GuardRules, PatchVerdict } from "../../core/patch-guard/index.ts";
import { UserError } from "../../errors/index.ts";
import { type HomelabRepo, makeHomelabRepo, STORAGE_FIX, userCheckoutState } from "./homelab-repo.fixture.ts";
import { findGitTopLevel, recordPatchVerdict, SideBranch } from "./index.ts";

const BRANCH = "ai/orchestrator-stage1";
const RULES: GuardRules = {
  protectedPaths: [],
  secretGlobs: ["**/talosconfig"],
  maxFiles: 5,
  maxChangedLines: 80,
};
const META = {
  stage: "vms",
  summary: "use the ZFS storage the host actually has",
  fingerprint: "3f9a1c0de2b4",
  source: "api",
  caseId: "ai/escalations/vms/20261125-170000",
};

const repos: HomelabRepo[] = [];
function newRepo(): HomelabRepo {
  const repo = makeHomelabRepo();
  repos.push(repo);
  return repo;
}
afterEach(() => {
  for (const repo of repos.splice(0)) {
    repo.cleanup();
  }
});

/** The user's checkout as a human leaves it mid-work: staged, unstaged and untracked changes. */
function makeDirty(repo: HomelabRepo): void {
  repo.write("talos/talconfig.yaml", "clusterName: prox-n100\ntalosVersion: v1.10.0\n");
  repo.run(["add", "talos/talconfig.yaml"]);
  repo.write("config/clusters/prox-n100.yaml", "proxmox:\n  node: pve-2\n");
  repo.write("notes-untracked.txt", "half a thought\n");
}

const readWorktree = (side: SideBranch, path: string) => readFileSync(join(side.worktree, path), "utf8");

describe("opening the side branch", () => {
  it("creates the AI branch from the user's HEAD in a worktree git ignores", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(
      side.worktree.startsWith(
        join(process.env["XDG_STATE_HOME"] ?? "", "homelab-orchestrator", "worktrees"),
      ),
    ).toBe(true);
    expect(await side.headCommit()).toBe(repo.run(["rev-parse", "HEAD"]).trim());
    expect(readWorktree(side, "config/clusters/prox-n100.yaml")).toContain("local-lvm");
    expect(repo.run(["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect(readFileSync(join(repo.root, ".git", "info", "exclude"), "utf8")).toContain("/ai/state/\n");
  });

  it("keeps the user's dirty checkout byte-identical through open, apply, revert and sync", async () => {
    const repo = newRepo();
    makeDirty(repo);
    const before = userCheckoutState(repo);
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const applied = await side.apply(STORAGE_FIX, META, RULES);
    expect(applied.status).toBe("applied");
    await side.revert(applied.status === "applied" ? applied.commit : "", "same fingerprint came back");
    expect((await side.sync()).how).toBe("up-to-date");
    expect(userCheckoutState(repo)).toEqual(before);
  });

  it("says clearly when the folder is not a git repository", async () => {
    const folder = mkdtempSync(join(tmpdir(), "not-a-repo-"));
    try {
      await expect(SideBranch.open({ repoRoot: folder, branch: BRANCH })).rejects.toThrow(
        new UserError(
          `${folder} is not inside a git repository: run "git init" there and commit your homelab files`,
        ),
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("says clearly when the repository has no commit yet", async () => {
    const repo = newRepo();
    const empty = join(repo.root, "..", "empty");
    mkdirSync(empty);
    repo.run(["init", "--quiet"], empty);
    await expect(SideBranch.open({ repoRoot: empty, branch: BRANCH })).rejects.toThrow(
      /has no commit yet: commit your homelab files first/,
    );
  });

  it("refuses when the user has the AI branch checked out", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    repo.run(["worktree", "remove", "--force", side.worktree]);
    repo.run(["switch", "--quiet", BRANCH]);
    await expect(SideBranch.open({ repoRoot: repo.root, branch: BRANCH })).rejects.toThrow(
      /your checkout has the AI branch ai\/orchestrator-stage1 checked out; switch back/,
    );
  });

  it("refuses an AI branch name that names a branch of the user's, and commits nothing there", async () => {
    const repo = newRepo();
    repo.run(["branch", "develop"]);
    const tip = repo.run(["rev-parse", "develop"]).trim();
    await expect(SideBranch.open({ repoRoot: repo.root, branch: "develop" })).rejects.toThrow(
      /the AI branch "develop" \(settings\.ai_branch or AI_BRANCH\) already exists and was not created by the orchestrator/,
    );
    expect(repo.run(["rev-parse", "develop"]).trim()).toBe(tip);
  });

  it("adopts an AI branch an earlier version made, which holds only the tool's commits", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect((await side.apply(STORAGE_FIX, META, RULES)).status).toBe("applied");
    repo.run(["config", "--local", "--unset", `orchestrator.${BRANCH}.created`]);
    await expect(SideBranch.open({ repoRoot: repo.root, branch: BRANCH })).resolves.toBeDefined();
  });

  it("refuses an invalid branch name", async () => {
    const repo = newRepo();
    await expect(SideBranch.open({ repoRoot: repo.root, branch: "ai/bad..name" })).rejects.toThrow(
      /"ai\/bad\.\.name" is not a valid branch name/,
    );
  });

  it("recreates a worktree folder that was deleted, keeping the branch's commits", async () => {
    const repo = newRepo();
    const first = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const applied = await first.apply(STORAGE_FIX, META, RULES);
    rmSync(first.worktree, { recursive: true, force: true });
    const again = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(await again.headCommit()).toBe(applied.status === "applied" ? applied.commit : "");
    expect(readWorktree(again, "config/clusters/prox-n100.yaml")).toContain("local-zfs");
  });

  it("finds the user's git top level from inside the AI worktree", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(await findGitTopLevel(join(side.worktree, "config"))).toBe(repo.root);
  });
});

describe("applying, harvesting and reverting patches", () => {
  it("commits an accepted config fix with its trailers", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const result = await side.apply(STORAGE_FIX, META, RULES);
    expect(result).toEqual({
      status: "applied",
      commit: await side.headCommit(),
      files: ["config/clusters/prox-n100.yaml"],
      changedLines: 2,
    });
    expect(repo.run(["log", "-1", "--format=%B", BRANCH])).toBe(
      "ai(vms): use the ZFS storage the host actually has\n\nStage: vms\nError-Fingerprint: 3f9a1c0de2b4\n" +
        "Source: api\nCase: ai/escalations/vms/20261125-170000\n\n",
    );
    expect(readWorktree(side, "config/clusters/prox-n100.yaml")).toContain("storage: local-zfs");
    expect(repo.run(["status", "--porcelain"], side.worktree)).toBe("");
    expect(await side.readFileAtTip("config/clusters/prox-n100.yaml")).toContain("local-zfs");
    expect(await side.readFileAtTip("config/clusters/none.yaml")).toBeUndefined();
    expect(await side.aiCommits()).toEqual([
      expect.objectContaining({ stage: "vms", fingerprint: "3f9a1c0de2b4", source: "api", reverted: false }),
    ]);
  });

  it("uses the fallback identity when the repo has none configured", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const saved = { ...process.env };
    for (const name of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]) {
      delete process.env[name];
    }
    try {
      await side.apply(STORAGE_FIX, META, RULES);
    } finally {
      Object.assign(process.env, saved);
    }
    expect(repo.run(["log", "-1", "--format=%an <%ae>|%cn <%ce>", BRANCH]).trim()).toBe(
      "homelab-orchestrator <orchestrator@localhost>|homelab-orchestrator <orchestrator@localhost>",
    );
  });

  it("reverts a fix that did not help and records why", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const applied = await side.apply(STORAGE_FIX, META, RULES);
    const commit = applied.status === "applied" ? applied.commit : "";
    const revert = await side.revert(commit, "the same fingerprint came back");
    expect(await side.headCommit()).toBe(revert);
    expect(readWorktree(side, "config/clusters/prox-n100.yaml")).toContain("storage: local-lvm");
    expect(repo.run(["log", "-1", "--format=%B", BRANCH])).toContain(
      `Reverts: ${commit}\nRevert-Reason: the same fingerprint came back\n`,
    );
    const [listed] = await side.aiCommits({ stage: "vms" });
    expect(listed).toMatchObject({
      commit,
      reverted: true,
      revertedBy: revert,
      revertReason: "the same fingerprint came back",
    });
    expect(await side.aiCommits({ stage: "talos" })).toEqual([]);
    await expect(side.revert(commit, "again")).rejects.toThrow(/was already reverted by/);
  });

  it("refuses to revert a commit the orchestrator did not make", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    await expect(side.revert("HEAD", "why not")).rejects.toThrow(/is not a patch the orchestrator committed/);
    await expect(side.revert("deadbeef", "why not")).rejects.toThrow(/unknown commit "deadbeef"/);
  });

  it("takes an executor's edits and new files back through harvest and apply", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const config = join(side.worktree, "config/clusters/prox-n100.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("/dev/sda", "/dev/vda"));
    writeFileSync(join(side.worktree, "talos/patch-metrics.yaml"), "cluster:\n  etcd:\n    extraArgs: {}\n");
    const diffText = await side.harvest();
    expect(diffText).toContain("+++ b/talos/patch-metrics.yaml");
    await side.discardChanges();
    expect(existsSync(join(side.worktree, "talos/patch-metrics.yaml"))).toBe(false);
    const result = await side.apply(diffText, { ...META, source: "codex" }, RULES);
    expect(result).toMatchObject({
      status: "applied",
      files: ["config/clusters/prox-n100.yaml", "talos/patch-metrics.yaml"],
    });
    expect(readWorktree(side, "config/clusters/prox-n100.yaml")).toContain("installDisk: /dev/vda");
    expect(repo.run(["status", "--porcelain", "--untracked-files=all"], side.worktree)).toBe("");
  });

  it("harvests a protected edit as a diff the guard refuses", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    writeFileSync(join(side.worktree, "ai/master_memo.md"), "# rewritten by an executor\n");
    const diffText = await side.harvest();
    await side.discardChanges();
    const verdict = await side.check(diffText, RULES);
    expect(verdict).toEqual({
      verdict: "refused",
      reasons: ["ai/master_memo.md is protected (the human's architecture memo); the patch would edit it"],
    });
  });

  it("commits without running the repo's git hooks", async () => {
    const repo = newRepo();
    const marker = join(repo.root, "..", "hook-ran");
    const hook = join(repo.root, ".git", "hooks", "pre-commit");
    writeFileSync(hook, `#!/bin/sh\ntouch ${marker}\nexit 1\n`, { mode: 0o755 });
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect((await side.apply(STORAGE_FIX, META, RULES)).status).toBe("applied");
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a patch that writes through a symlink a stage left in the worktree", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    symlinkSync(repo.outside, join(side.worktree, "talos", "generated"));
    const verdict = await side.check(
      "--- /dev/null\n+++ b/talos/generated/evil.sh\n@@ -0,0 +1 @@\n+echo pwned\n",
      RULES,
    );
    expect(verdict).toEqual({
      verdict: "refused",
      reasons: [
        `talos/generated/evil.sh goes through the symlink talos/generated (→ ${repo.outside}, outside the worktree); patches never write through symlinks`,
      ],
    });
    expect(readdirSync(repo.outside)).toEqual([]);
  });

  it("sets uncommitted edits in the worktree aside (saved, never committed) before applying", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    writeFileSync(join(side.worktree, "talos/talconfig.yaml"), "clusterName: edited\n");
    const result = await side.apply(STORAGE_FIX, META, RULES);
    expect(result.status).toBe("applied");
    expect(result.status === "applied" && result.files).toEqual(["config/clusters/prox-n100.yaml"]);
    expect(readWorktree(side, "talos/talconfig.yaml")).not.toBe("clusterName: edited\n");
    const saved = readdirSync(join(repo.root, "ai", "logs", "worktree-leftovers"));
    expect(saved).toHaveLength(1);
    expect(readFileSync(join(repo.root, "ai", "logs", "worktree-leftovers", saved[0]!), "utf8")).toContain(
      "+clusterName: edited",
    );
  });

  it("saves the diff and the verdict under ai/patches/<stage>/ without overwriting", async () => {
    const repo = newRepo();
    const at = new Date("2026-11-25T17:04:05Z");
    const refused: PatchVerdict = { verdict: "refused", reasons: ["ai/master_memo.md is protected"] };
    const first = await recordPatchVerdict(repo.root, "talos", STORAGE_FIX, refused, { ...META, at });
    const second = await recordPatchVerdict(repo.root, "talos", STORAGE_FIX, refused, { ...META, at });
    expect(first.diffPath).toBe("ai/patches/talos/20261125-170405_api_refused.diff");
    expect(second.diffPath).toBe("ai/patches/talos/20261125-170405_api_refused-2.diff");
    expect(readFileSync(join(repo.root, first.diffPath), "utf8")).toBe(STORAGE_FIX);
    expect(JSON.parse(readFileSync(join(repo.root, first.recordPath), "utf8"))).toMatchObject({
      status: "refused",
      reasons: ["ai/master_memo.md is protected"],
      fingerprint: "3f9a1c0de2b4",
    });
    expect(readdirSync(join(repo.root, "ai/patches/talos"))).toHaveLength(4);
    expect(repo.run(["status", "--porcelain"])).toBe("");
  });
});

describe("syncing with the user's branch", () => {
  async function withAppliedFix() {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const applied = await side.apply(STORAGE_FIX, META, RULES);
    return { repo, side, commit: applied.status === "applied" ? applied.commit : "" };
  }

  it("fast-forwards after the user merged the AI branch and moved on", async () => {
    const { repo, side, commit } = await withAppliedFix();
    repo.run(["merge", "--quiet", "--no-ff", "-m", "Merge the AI fix", BRANCH]);
    expect(await side.sync()).toEqual({ how: "fast-forwarded", dropped: [] });
    expect(await side.headCommit()).toBe(repo.run(["rev-parse", "HEAD"]).trim());
    expect(repo.run(["merge-base", "--is-ancestor", commit, BRANCH])).toBe("");
  });

  it("rebuilds the AI branch on the user's new commits, keeping the AI fix, without a merge commit", async () => {
    const { repo, side, commit } = await withAppliedFix();
    repo.write("talos/talconfig.yaml", "clusterName: prox-n100\ntalosVersion: v1.10.0\n");
    repo.run(["commit", "--quiet", "-am", "Bump Talos"]);
    expect(await side.sync()).toEqual({ how: "rebuilt", dropped: [] });
    expect(readWorktree(side, "talos/talconfig.yaml")).toContain("v1.10.0");
    expect(readWorktree(side, "config/clusters/prox-n100.yaml")).toContain("local-zfs");
    expect(repo.run(["rev-list", "--parents", "-1", BRANCH]).trim().split(" ")).toHaveLength(2);
    expect(repo.run(["rev-parse", `${BRANCH}^`]).trim()).toBe(repo.run(["rev-parse", "HEAD"]).trim());
    expect(repo.run(["log", "-1", "--format=%(trailers:key=Source,valueonly)", BRANCH]).trim()).toBe(
      META.source,
    );
    expect(repo.run(["rev-parse", BRANCH]).trim()).not.toBe(commit);
    expect((await side.sync()).how).toBe("up-to-date");
  });

  it("drops an AI fix the user already made by hand, as done", async () => {
    const { repo, side } = await withAppliedFix();
    repo.write("config/clusters/prox-n100.yaml", configWithStorage("local-zfs"));
    repo.run(["commit", "--quiet", "-am", "Use local-zfs (squashed from the AI branch)"]);
    repo.write("README.md", "moved on\n");
    repo.run(["add", "README.md"]);
    repo.run(["commit", "--quiet", "-m", "Another change"]);
    const result = await side.sync();
    expect(result.how).toBe("rebuilt");
    expect(result.dropped.map((entry) => entry.reason)).toEqual(["main already has this change"]);
    expect(await side.headCommit()).toBe(repo.run(["rev-parse", "HEAD"]).trim());
  });

  it("drops an AI fix that conflicts with the user's change, says why, and leaves the user's checkout alone", async () => {
    const { repo, side } = await withAppliedFix();
    repo.write("config/clusters/prox-n100.yaml", configWithStorage("local"));
    repo.run(["commit", "--quiet", "-am", "Use the local storage"]);
    const user = userCheckoutState(repo);
    const result = await side.sync();
    expect(result.how).toBe("rebuilt");
    expect(result.dropped).toHaveLength(1);
    expect(result.dropped[0]?.reason).toBe(
      "main changed the same lines of config/clusters/prox-n100.yaml; if the fix is still needed, the loop finds it again",
    );
    expect(await side.headCommit()).toBe(repo.run(["rev-parse", "HEAD"]).trim());
    expect(userCheckoutState(repo)).toEqual(user);
    expect(repo.run(["status", "--porcelain"], side.worktree)).toBe("");
  });
});

function configWithStorage(storage: string): string {
  return `proxmox:\n  node: pve\n  storage: ${storage}\n  bridge: vmbr0\ntalos:\n  version: v1.9.5\n  installDisk: /dev/sda\n`;
}

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitError, UserError } from "../../errors/index.ts";
import { runProcess } from "../process/index.ts";
import {
  HOMELAB_RULES,
  type HomelabRepo,
  makeHomelabRepo,
  STORAGE_FIX,
  userCheckoutState,
} from "./homelab-repo.fixture.ts";
import { SideBranch } from "./index.ts";

const BRANCH = "ai/orchestrator-stage1";
const META = {
  stage: "talos",
  summary: "pin the Talos version",
  fingerprint: "3f9a1c0de2b4",
  source: "api",
  caseId: "ai/escalations/talos/20261125-170000",
};
/** A patch that applies to the AI branch after STORAGE_FIX. */
const VERSION_FIX = [
  "diff --git a/talos/talconfig.yaml b/talos/talconfig.yaml",
  "--- a/talos/talconfig.yaml",
  "+++ b/talos/talconfig.yaml",
  "@@ -1,2 +1,2 @@",
  " clusterName: prox-n100",
  "-talosVersion: v1.9.5",
  "+talosVersion: v1.9.6",
  "",
].join("\n");

const repos: HomelabRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) {
    repo.cleanup();
  }
});

/** The user's checkout mid-work: staged, unstaged and untracked changes. */
function dirtyRepo(): HomelabRepo {
  const repo = makeHomelabRepo();
  repos.push(repo);
  repo.write("talos/talconfig.yaml", "clusterName: prox-n100\ntalosVersion: v1.10.0\n");
  repo.run(["add", "talos/talconfig.yaml"]);
  repo.write("config/clusters/prox-n100.yaml", "proxmox:\n  node: pve-2\n");
  repo.write("notes-untracked.txt", "half a thought\n");
  return repo;
}

/** What a stage command may do in its working folder: delete everything, `.git` file included. */
async function wipe(folder: string): Promise<void> {
  const run = await runProcess(["bash", "-c", "rm -rf ./* ./.[!.]*"], {
    cwd: folder,
    env: process.env,
    output: { mode: "all" },
  });
  expect(run.exitCode).toBe(0);
  expect(existsSync(join(folder, ".git"))).toBe(false);
}

describe("git on the AI worktree cannot fall through to the user's repository", () => {
  it("refuses apply, discard and revert after a stage deleted the worktree's .git, and the user's checkout stays as it was", async () => {
    const repo = dirtyRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const first = await side.apply(STORAGE_FIX, { ...META, summary: "use local-zfs" }, HOMELAB_RULES);
    expect(first.status).toBe("applied");
    const tip = await side.headCommit();
    const before = userCheckoutState(repo);
    const mainLog = repo.run(["log", "--format=%H", "main"]);

    await wipe(side.worktree);

    const attempts: (() => Promise<unknown>)[] = [
      () => side.apply(VERSION_FIX, META, HOMELAB_RULES),
      () => side.discardChanges(),
      () => side.revert(first.status === "applied" ? first.commit : "", "the same error came back"),
      () => side.harvest(),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(GitError);
      expect(error).not.toBeInstanceOf(UserError);
      expect((error as GitError).exitCode).toBe(1);
      expect((error as GitError).message).toMatch(
        /^refusing to run git \S+ in the AI worktree .*: its \.git file is gone \(something run there deleted it\), so git could reach another repository \(your checkout was not touched\); run again and the tool rebuilds its worktree$/,
      );
    }
    expect(userCheckoutState(repo)).toEqual(before);
    expect(repo.run(["log", "--format=%H", "main"])).toBe(mainLog);
    expect(await side.headCommit()).toBe(tip);

    // the next run rebuilds the worktree at the AI branch's tip
    const again = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(readFileSync(join(again.worktree, "config/clusters/prox-n100.yaml"), "utf8")).toContain(
      "storage: local-zfs",
    );
    const second = await again.apply(VERSION_FIX, META, HOMELAB_RULES);
    expect(second.status).toBe("applied");
    expect(userCheckoutState(repo)).toEqual(before);
    expect(repo.run(["log", "--format=%H", "main"])).toBe(mainLog);
  });

  it("refuses when the worktree's .git file was rewritten to point at the user's repository", async () => {
    const repo = dirtyRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const before = userCheckoutState(repo);
    writeFileSync(join(side.worktree, ".git"), `gitdir: ${join(repo.root, ".git")}\n`);
    await expect(side.discardChanges()).rejects.toThrow(
      /its \.git file no longer points at the worktree's own git folder/,
    );
    await expect(side.apply(VERSION_FIX, META, HOMELAB_RULES)).rejects.toBeInstanceOf(GitError);
    expect(userCheckoutState(repo)).toEqual(before);
  });
});

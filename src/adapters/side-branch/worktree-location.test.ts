import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findRepoRoot } from "../../config/repo-root.ts";
import { runProcess } from "../process/index.ts";
import {
  HOMELAB_RULES,
  type HomelabRepo,
  makeHomelabRepo,
  STORAGE_FIX,
  userCheckoutState,
} from "./homelab-repo.fixture.ts";
import { aiWorktreeLocation, findGitTopLevel, SideBranch } from "./index.ts";

const BRANCH = "ai/orchestrator-stage1";
const META = { stage: "vms", summary: "use local-zfs", fingerprint: "3f9a1c0de2b4", source: "api" };

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

const stateHome = () => realpathSync(process.env["XDG_STATE_HOME"] ?? "");

describe("where the AI worktree lives", () => {
  it("sits under the user's state directory, so ../../ from it reaches nothing of the user's checkout", async () => {
    const repo = newRepo();
    repo.write("talos/secrets.yaml", "cluster:\n  secret: hunter2-cluster-secret\n");
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(side.worktree).toBe(await aiWorktreeLocation(repo.root));
    expect(relative(join(stateHome(), "homelab-orchestrator", "worktrees"), side.worktree)).toMatch(
      new RegExp(`^${basename(repo.root)}-[0-9a-f]{12}$`),
    );
    expect(existsSync(join(repo.root, "ai", "worktree"))).toBe(false);
    // The attack this guards against: a stage script that reads `../../talos/secrets.yaml`.
    expect(existsSync(resolve(side.worktree, "../../talos/secrets.yaml"))).toBe(false);
    expect(side.worktree.startsWith(realpathSync(repo.root))).toBe(false);
  });

  it("gives two repositories with the same folder name two worktrees", async () => {
    const first = newRepo();
    const second = newRepo();
    expect(await aiWorktreeLocation(first.root)).not.toBe(await aiWorktreeLocation(second.root));
  });

  it("finds the user's checkout from inside the worktree, for git and for the homelab repo", async () => {
    const repo = newRepo();
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(await findGitTopLevel(join(side.worktree, "config"))).toBe(repo.root);
    expect(findRepoRoot(join(side.worktree, "config"))).toBe(repo.root);
  });

  it("moves a worktree an earlier version made at ai/worktree, keeping the branch, its commits and the user's linked files", async () => {
    const repo = newRepo();
    repo.write("talos/secrets.yaml", "cluster:\n  secret: keep-me\n");
    const first = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const applied = await first.apply(STORAGE_FIX, META, HOMELAB_RULES);
    expect(applied.status).toBe("applied");
    // The old layout: the branch checked out at <repo>/ai/worktree, the user's secret linked in.
    repo.run(["worktree", "remove", "--force", first.worktree]);
    repo.run(["worktree", "add", "--quiet", "ai/worktree", BRANCH]);
    symlinkSync(join(repo.root, "talos/secrets.yaml"), join(repo.root, "ai/worktree/talos/secrets.yaml"));
    writeFileSync(join(repo.root, "ai/worktree/stage-output.txt"), "generated\n");

    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(existsSync(join(repo.root, "ai", "worktree"))).toBe(false);
    expect(repo.run(["worktree", "list", "--porcelain"])).not.toContain(join(repo.root, "ai", "worktree"));
    expect(await side.headCommit()).toBe(applied.status === "applied" ? applied.commit : "");
    expect(readFileSync(join(side.worktree, "config/clusters/prox-n100.yaml"), "utf8")).toContain(
      "local-zfs",
    );
    expect(readFileSync(join(repo.root, "talos/secrets.yaml"), "utf8")).toBe("cluster:\n  secret: keep-me\n");
  });

  it("clears a stale ai/worktree copy whose .git was deleted, and leaves a folder there that is not its own", async () => {
    const repo = newRepo();
    const first = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    repo.run(["worktree", "remove", "--force", first.worktree]);
    repo.run(["worktree", "add", "--quiet", "ai/worktree", BRANCH]);
    const wiped = await runProcess(["bash", "-c", "rm -rf ./.git"], {
      cwd: join(repo.root, "ai/worktree"),
      env: process.env,
      output: { mode: "all" },
    });
    expect(wiped.exitCode).toBe(0);
    await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(existsSync(join(repo.root, "ai", "worktree"))).toBe(false);

    mkdirSync(join(repo.root, "ai", "worktree"), { recursive: true });
    writeFileSync(join(repo.root, "ai", "worktree", "my-notes.md"), "mine\n");
    await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(readFileSync(join(repo.root, "ai", "worktree", "my-notes.md"), "utf8")).toBe("mine\n");
  });

  it("rebuilds a worktree a stage emptied, .git included, without touching the user's checkout", async () => {
    const repo = newRepo();
    repo.write("notes-untracked.txt", "half a thought\n");
    const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    const before = userCheckoutState(repo);
    const wiped = await runProcess(["bash", "-c", "rm -rf ./* ./.[!.]*"], {
      cwd: side.worktree,
      env: process.env,
      output: { mode: "all" },
    });
    expect(wiped.exitCode).toBe(0);
    const again = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
    expect(existsSync(join(again.worktree, "config/clusters/prox-n100.yaml"))).toBe(true);
    expect(userCheckoutState(repo)).toEqual(before);
  });
});

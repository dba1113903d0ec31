import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LockHeldError } from "../../errors/index.ts";
import { StateStore } from "../state-store/index.ts";
import { revertByHand } from "./hand-revert.ts";
import { HOMELAB_RULES, type HomelabRepo, makeHomelabRepo, STORAGE_FIX } from "./homelab-repo.fixture.ts";
import { SideBranch } from "./index.ts";

const BRANCH = "ai/orchestrator-stage1";
const META = { stage: "vms", summary: "use local-zfs", fingerprint: "ab12", source: "model" };

let repo: HomelabRepo;
beforeEach(() => {
  repo = makeHomelabRepo();
});
afterEach(() => {
  repo.cleanup();
});

async function appliedCommit(): Promise<string> {
  const side = await SideBranch.open({ repoRoot: repo.root, branch: BRANCH });
  const applied = await side.apply(STORAGE_FIX, META, HOMELAB_RULES);
  if (applied.status !== "applied") {
    throw new Error(`the fixture's patch was not applied: ${JSON.stringify(applied)}`);
  }
  return applied.commit;
}

describe("revertByHand", () => {
  it("reverts the commit on the AI branch, journals it as the human's, and frees the lock", async () => {
    const commit = await appliedCommit();
    const revert = await revertByHand({
      repoRoot: repo.root,
      branch: BRANCH,
      commit,
      reason: "made it worse",
    });
    expect(repo.run(["rev-parse", BRANCH]).trim()).toBe(revert);
    expect(repo.run(["log", "-1", "--format=%B", BRANCH])).toContain("made it worse");
    const state = new StateStore(repo.root);
    expect((await state.readJournal()).at(-1)).toMatchObject({
      type: "patch_reverted",
      commit,
      revert,
      reason: "made it worse",
      by: "human",
    });
    expect(await state.lockHolder()).toBeUndefined();
  });

  it("waits its turn: a run holding the lock refuses it, and the branch stays as it was", async () => {
    const commit = await appliedCommit();
    const state = new StateStore(repo.root);
    await state.ensure();
    const lock = await state.lock("talos");
    try {
      await expect(
        revertByHand({ repoRoot: repo.root, branch: BRANCH, commit, reason: "no" }),
      ).rejects.toBeInstanceOf(LockHeldError);
      expect(repo.run(["rev-parse", BRANCH]).trim()).toBe(commit);
    } finally {
      await lock.release();
    }
  });
});

import { StateStore } from "../state-store/index.ts";
import { SideBranch } from "./index.ts";

export interface HandRevert {
  /** The homelab repo: its state, lock and journal. */
  readonly repoRoot: string;
  readonly branch: string;
  /** The AI commit to revert (a unique prefix is enough). */
  readonly commit: string;
  readonly reason: string;
}

/**
 * A human's revert of one AI commit: it waits its turn for the repo's lock like any run (the
 * worktree is the running loop's), reverts on the AI branch and journals `patch_reverted` by
 * "human". Resolves to the revert commit. A held lock is a `LockHeldError` (exit 3).
 */
export async function revertByHand(request: HandRevert): Promise<string> {
  const state = new StateStore(request.repoRoot);
  await state.ensure();
  const lock = await state.lock(`revert ${request.commit}`);
  try {
    const side = await SideBranch.open({ repoRoot: request.repoRoot, branch: request.branch });
    const revert = await side.revert(request.commit, request.reason);
    // The journal names the stage and the full commit, so `explain` tells it in that stage's story.
    const original = (await side.aiCommits()).find((commit) => commit.revertedBy === revert);
    await state.journal({
      type: "patch_reverted",
      stage: original?.stage ?? "unknown",
      commit: original?.commit ?? request.commit,
      revert,
      reason: request.reason,
      by: "human",
      ...(original ? { source: original.source } : {}),
    });
    return revert;
  } finally {
    await lock.release();
  }
}

import type { Refusal } from "../../core/edits/index.ts";
import type { JournalEvent } from "../../core/journal/index.ts";
import {
  type GuardRules,
  parseUnifiedDiff,
  patchSignature,
  type RevertedPatch,
  rulesForStage,
} from "../../core/patch-guard/index.ts";
import { commitEdit } from "../edits/index.ts";
import { git } from "../git/index.ts";
import { oneLine, type PatchMeta } from "./commits.ts";
import type { SideBranch } from "./index.ts";
import { recordPatchVerdict } from "./record.ts";

export type LandedPatch =
  | {
      status: "applied";
      commit: string;
      files: string[];
      changedLines: number;
      diff: string;
      record: string;
      /** What the patch switches off: it must be proposed to a human, not run. */
      switchOffs?: string[];
    }
  | { status: "refused"; reasons: string[]; refusals: Refusal[]; record: string };

export interface LandPatchDeps {
  /** The homelab repo (where `ai/patches/` is). */
  repoRoot: string;
  sideBranch: SideBranch;
  rules: GuardRules;
  /** The state store's `journal`. */
  journal: (event: JournalEvent) => Promise<void>;
}

/**
 * The one way a change reaches the AI branch, whoever proposed it (an executor, a remembered
 * fix, the model), in whatever form it came (a unified diff, SEARCH/REPLACE blocks, a Codex
 * patch, a whole small file): the edit applier turns it into a canonical git diff or refuses it;
 * the patch guard and `git apply --check` judge that diff; it lands as one commit with the
 * `Stage:`, `Error-Fingerprint:`, `Source:` and `Case:` trailers; what was proposed and its
 * verdict are saved under `ai/patches/<stage>/` (the canonical diff when there is one); and
 * `patch_applied` or `patch_refused` goes to the journal. On refusal nothing on the branch or in
 * the worktree changes.
 */
export async function landPatch(deps: LandPatchDeps, edit: string, meta: PatchMeta): Promise<LandedPatch> {
  // A fix for a stage stays in that stage's files and those of the stages it needs, and is not
  // one already reverted for this error; a switch-off is refused or, where its source's fixes are
  // proposed for approval, let through to be proposed.
  const rules = {
    ...rulesForStage(deps.rules, meta.stage, meta.source),
    reverted: await revertedFor(deps.sideBranch, meta),
  };
  const committed = await commitEdit(deps.sideBranch, edit, meta, rules);
  const kept = committed.status === "applied" ? committed.diff : (committed.diff ?? edit);
  const record = await recordPatchVerdict(deps.repoRoot, meta.stage, kept, committed, meta);
  const caseId = meta.caseId === undefined ? {} : { caseId: meta.caseId };
  if (committed.status === "applied") {
    await deps.journal({
      type: "patch_applied",
      stage: meta.stage,
      commit: committed.commit,
      source: meta.source,
      summary: meta.summary,
      files: committed.files,
      record: record.recordPath,
      ...caseId,
    });
    const { commit, files, changedLines, diff, switchOffs } = committed;
    return {
      status: "applied",
      commit,
      files,
      changedLines,
      diff,
      record: record.recordPath,
      ...(switchOffs === undefined ? {} : { switchOffs }),
    };
  }
  await deps.journal({
    type: "patch_refused",
    stage: meta.stage,
    source: meta.source,
    summary: meta.summary,
    reasons: committed.reasons,
    record: record.recordPath,
    ...caseId,
  });
  return {
    status: "refused",
    reasons: committed.reasons,
    refusals: committed.refusals,
    record: record.recordPath,
  };
}

/** The stage's commits reverted for the same error, with what each changed. */
async function revertedFor(sideBranch: SideBranch, meta: PatchMeta): Promise<RevertedPatch[]> {
  const reverted = (await sideBranch.aiCommits({ stage: meta.stage })).filter(
    (commit) => commit.reverted && commit.fingerprint === oneLine(meta.fingerprint),
  );
  const patches: RevertedPatch[] = [];
  for (const { commit } of reverted) {
    const diff = await git(
      [
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        `${commit}^`,
        commit,
      ],
      { cwd: sideBranch.repoRoot },
    );
    const parsed = parseUnifiedDiff(diff.stdout);
    if (parsed.ok) {
      patches.push({ commit, signature: patchSignature(parsed.patch) });
    }
  }
  return patches;
}

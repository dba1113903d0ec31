import type { JournalEvent } from "../../core/journal/index.ts";
import type { GuardRules } from "../../core/patch-guard/index.ts";
import type { PatchMeta } from "./commits.ts";
import type { SideBranch } from "./index.ts";
import { recordPatchVerdict } from "./record.ts";

export type LandedPatch =
  | { status: "applied"; commit: string; files: string[]; changedLines: number; record: string }
  | { status: "refused"; reasons: string[]; record: string };

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
 * fix, the model): the patch guard and `git apply --check`, one commit with the `Stage:`,
 * `Error-Fingerprint:`, `Source:` and `Case:` trailers, the diff and its verdict saved under
 * `ai/patches/<stage>/`, and `patch_applied` or `patch_refused` in the journal. On refusal
 * nothing on the branch or in the worktree changes.
 */
export async function landPatch(deps: LandPatchDeps, diff: string, meta: PatchMeta): Promise<LandedPatch> {
  const { sideBranch } = deps;
  const applied = await sideBranch.apply(diff, meta, deps.rules);
  const record = await recordPatchVerdict(deps.repoRoot, meta.stage, diff, applied, meta);
  const caseId = meta.caseId === undefined ? {} : { caseId: meta.caseId };
  if (applied.status === "applied") {
    await deps.journal({
      type: "patch_applied",
      stage: meta.stage,
      commit: applied.commit,
      source: meta.source,
      summary: meta.summary,
      files: applied.files,
      record: record.recordPath,
      ...caseId,
    });
    return { ...applied, record: record.recordPath };
  }
  await deps.journal({
    type: "patch_refused",
    stage: meta.stage,
    source: meta.source,
    summary: meta.summary,
    reasons: applied.reasons,
    record: record.recordPath,
    ...caseId,
  });
  return { ...applied, record: record.recordPath };
}

import type { StageSpec } from "../../config/index.ts";
import type { CaseFileContent } from "../../core/case-file/index.ts";
import { extractMemoSections } from "../../core/case-file/index.ts";
import { MASTER_MEMO_FILE } from "../../core/repo-layout/index.ts";
import { type ChangesSinceGreen, changesSince, type WorktreeGit } from "./changes.ts";
import { readStageFiles, type SkippedFile } from "./files.ts";

export type { ChangesSinceGreen } from "./changes.ts";
export { readStageFiles, type SkippedFile } from "./files.ts";

export const DEFAULT_FILE_BUDGET_BYTES = 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024;
const MEMO_PATH = MASTER_MEMO_FILE;

export interface GatherCaseContextOptions {
  /** The side branch's worktree, where the stage runs and patches apply. */
  worktree: string;
  /** Git on that worktree, pinned to it so a damaged worktree never reads the user's checkout. */
  worktreeGit: WorktreeGit;
  stageSpec: Pick<StageSpec, "files" | "memo_sections">;
  /** The context map's `secrets`; the built-in secret globs always apply as well. */
  secretGlobs: string[];
  memoText: string | undefined;
  lastGreenCommit?: string;
  logTail: string;
  /** Bytes of file content read in all (default 1 MiB); the case file's token budget trims further. */
  fileBudgetBytes?: number;
  /** One file over this is skipped as too big (default 256 KiB). */
  maxFileBytes?: number;
}

export interface CaseContext {
  files: CaseFileContent[];
  memoSections: { heading: string; text: string }[];
  changesSinceGreen?: ChangesSinceGreen;
  /** Everything not read, with why; pass it on as the case file's `skippedFiles`. */
  skipped: SkippedFile[];
}

/** Reads what a case file quotes from the repo. Never opens a file matching the secret globs. */
export async function gatherCaseContext(opts: GatherCaseContextOptions): Promise<CaseContext> {
  const { files, skipped } = await readStageFiles(
    opts.worktree,
    opts.stageSpec.files,
    opts.secretGlobs,
    opts.logTail,
    {
      maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      totalBytes: opts.fileBudgetBytes ?? DEFAULT_FILE_BUDGET_BYTES,
    },
  );

  const memoSections: CaseContext["memoSections"] = [];
  if (opts.stageSpec.memo_sections.length > 0) {
    if (opts.memoText === undefined) {
      skipped.push({ path: MEMO_PATH, reason: "not found, so its sections could not be quoted" });
    } else {
      const extracted = extractMemoSections(opts.memoText, opts.stageSpec.memo_sections);
      memoSections.push(...extracted.sections);
      for (const heading of extracted.missing) {
        skipped.push({ path: MEMO_PATH, reason: `has no section named "${heading}"` });
      }
    }
  }

  const context: CaseContext = { files, memoSections, skipped };
  if (opts.lastGreenCommit !== undefined) {
    const changes = await changesSince(opts.worktreeGit, opts.lastGreenCommit, opts.secretGlobs);
    skipped.push(...changes.skipped);
    if (changes.changes) {
      context.changesSinceGreen = changes.changes;
    }
  }
  return context;
}

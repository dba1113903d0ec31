import { isSecretPath } from "../../core/redaction/index.ts";
import type { GitOptions, GitResult } from "../git/index.ts";
import type { SkippedFile } from "./files.ts";

/** A change to one file larger than this is left to the stat. */
const MAX_FILE_HUNK_BYTES = 4096;
const MAX_HUNKS_BYTES = 16_384;

/** Git on the AI worktree, pinned to it (`SideBranch.worktreeGit`); plain `git -C worktree` in tests. */
export type WorktreeGit = (args: string[], opts?: Omit<GitOptions, "cwd">) => Promise<GitResult>;

export interface ChangesSinceGreen {
  since: string;
  stat: string;
  hunks: string;
}

/**
 * What changed in the worktree since the stage was last green: `git diff --stat` and the small
 * per-file diffs. Diffs of secret files are never included (their names stay in the stat).
 */
export async function changesSince(
  gitIn: WorktreeGit,
  commit: string,
  secretGlobs: string[],
): Promise<{ changes: ChangesSinceGreen | undefined; skipped: SkippedFile[] }> {
  const verified = await gitIn(["rev-parse", "--verify", "--quiet", `${commit}^{commit}`], {
    allowFailure: true,
  });
  if (verified.exitCode !== 0) {
    return {
      changes: undefined,
      skipped: [{ path: `changes since ${commit}`, reason: "that commit is not in this repository" }],
    };
  }
  const base = ["-c", "core.quotepath=off", "diff", "--no-color", "--no-ext-diff"];
  const stat = await gitIn([...base, "--stat=120", commit, "--"]);
  const full = await gitIn([...base, "--no-renames", commit, "--"]);
  const skipped: SkippedFile[] = [];
  const kept: string[] = [];
  let size = 0;
  for (const fileDiff of splitByFile(full.stdout)) {
    if (isSecretPath(fileDiff.path, secretGlobs)) {
      skipped.push({ path: fileDiff.path, reason: "its change since green is not shown: secret file" });
    } else if (fileDiff.text.length > MAX_FILE_HUNK_BYTES || size + fileDiff.text.length > MAX_HUNKS_BYTES) {
      skipped.push({
        path: fileDiff.path,
        reason: "its change since green is too large to show (see the stat)",
      });
    } else {
      kept.push(fileDiff.text);
      size += fileDiff.text.length;
    }
  }
  return { changes: { since: commit, stat: stat.stdout.trimEnd(), hunks: kept.join("").trimEnd() }, skipped };
}

function splitByFile(diff: string): { path: string; text: string }[] {
  const parts = diff.split(/^(?=diff --git )/m).filter((part) => part.startsWith("diff --git "));
  return parts.map((text) => {
    const header = /^diff --git a\/(.*?) b\/(.*)$/m.exec(text);
    const plus = /^\+\+\+ b\/(.*)$/m.exec(text);
    return { path: plus?.[1] ?? header?.[2] ?? "", text };
  });
}

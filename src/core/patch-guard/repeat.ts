/**
 * A patch already tried and reverted for the same error did not help then and will not now:
 * applying it again costs a stage run, a revert and, through the model, another API call. Two
 * patches are the same when they change the same files by the same removed and added lines
 * (line numbers, context and hunk order aside), so a model that re-sends its reverted fix with
 * other context is still recognised.
 */
import type { ParsedPatch } from "./parse.ts";

/** A reverted commit of this stage for this error, and what its patch changed. */
export type RevertedPatch = { commit: string; signature: string };

/** What a patch changes, independent of where its hunks sit: per file, its sorted -/+ lines. */
export function patchSignature(patch: ParsedPatch): string {
  return patch.files
    .map((change) => {
      const lines = change.hunks
        .flatMap((hunk) => hunk.lines.filter((line) => line.kind !== " "))
        .map((line) => `${line.kind}${line.text.trimEnd()}`)
        .sort();
      const paths = [...new Set([change.oldPath, change.newPath].filter((path) => path !== null))];
      return `${change.kind} ${paths.join(" -> ")}\n${lines.join("\n")}`;
    })
    .sort()
    .join("\n\n");
}

/** The reason the patch repeats a reverted one, or nothing. */
export function repeatProblems(patch: ParsedPatch, reverted: readonly RevertedPatch[]): string[] {
  if (reverted.length === 0) {
    return [];
  }
  const signature = patchSignature(patch);
  const same = reverted.find((earlier) => earlier.signature === signature);
  return same
    ? [
        `this patch was already tried for this error as ${same.commit.slice(0, 10)} and reverted because the same error came back; propose a different fix`,
      ]
    : [];
}

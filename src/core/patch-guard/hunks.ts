import type { FileChange, Hunk } from "./parse.ts";

/** Lines added plus lines removed. */
export function changedLineCount(change: FileChange): number {
  return change.hunks.reduce((sum, hunk) => sum + hunk.lines.filter((line) => line.kind !== " ").length, 0);
}

/**
 * The new text of a file after its hunks, or undefined when a hunk's old lines do not match
 * (then `git apply --check` refuses it anyway). Used to see what a YAML file becomes.
 */
export function applyHunks(oldText: string, hunks: Hunk[]): string | undefined {
  const hadFinalNewline = oldText === "" || oldText.endsWith("\n");
  const oldLines = oldText === "" ? [] : (hadFinalNewline ? oldText.slice(0, -1) : oldText).split("\n");
  const result: string[] = [];
  let cursor = 0;
  let finalNewline = hadFinalNewline;
  for (const hunk of hunks) {
    const start = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    if (start < cursor || start > oldLines.length) {
      return undefined;
    }
    result.push(...oldLines.slice(cursor, start));
    cursor = start;
    for (const line of hunk.lines) {
      if (line.kind === "+") {
        result.push(line.text);
        continue;
      }
      if (oldLines[cursor] !== line.text) {
        return undefined;
      }
      cursor++;
      if (line.kind === " ") {
        result.push(line.text);
      }
    }
    if (cursor === oldLines.length) {
      finalNewline = !hunk.newNoNewlineAtEnd;
    }
  }
  result.push(...oldLines.slice(cursor));
  return result.length === 0 ? "" : result.join("\n") + (finalNewline ? "\n" : "");
}

/**
 * The canonical form of an accepted edit: a `git diff` with `a/`/`b/` prefixes and three lines
 * of context. It is what the patch guard parses, `git apply` applies and `ai/patches/` records,
 * whatever format the model wrote.
 */
import { diffLines } from "./line-diff.ts";
import { type FileText, splitFile } from "./text.ts";
import type { FileResult } from "./types.ts";

const CONTEXT = 3;

type Line = { text: string; ending: string };

function linesOf(text: string | undefined): Line[] {
  if (text === undefined || text === "") {
    return [];
  }
  const file: FileText = splitFile(text);
  return file.lines.map((line, index) => ({ text: line, ending: file.endings[index] ?? "" }));
}

function body(prefix: string, line: Line): string {
  // CR stays on the line, as git diff prints a CRLF file; "\ No newline" marks a last line.
  const cr = line.ending === "\r\n" ? "\r" : "";
  return `${prefix}${line.text}${cr}\n${line.ending === "" ? "\\ No newline at end of file\n" : ""}`;
}

function range(start: number, count: number): string {
  // git's convention: an empty range names the line before it; a count of 1 is left out.
  if (count === 0) {
    return `${start},0`;
  }
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

/** The diff of one file; `before`/`after` undefined for a created/deleted file. */
export function renderFileDiff({ path, before, after, mode, oldMode }: FileResult): string {
  const oldLines = linesOf(before);
  const newLines = linesOf(after);
  // A deletion is written as a plain diff: under a `diff --git` header git would also want the
  // file's mode, which only the branch knows (a script is 100755).
  const header = after === undefined ? [] : [`diff --git a/${path} b/${path}\n`];
  if (before === undefined) {
    header.push(`new file mode ${mode ?? "100644"}\n`);
    if (newLines.length === 0) {
      return header.join("");
    }
  } else if (after !== undefined && oldMode !== undefined && mode !== undefined) {
    header.push(`old mode ${oldMode}\n`, `new mode ${mode}\n`);
  }
  header.push(before === undefined ? "--- /dev/null\n" : `--- a/${path}\n`);
  header.push(after === undefined ? "+++ /dev/null\n" : `+++ b/${path}\n`);
  const ops = diffLines(
    oldLines.map((line) => line.text + line.ending),
    newLines.map((line) => line.text + line.ending),
  );
  const changed = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  if (changed.length === 0) {
    return oldMode !== undefined ? header.slice(0, 3).join("") : "";
  }
  const hunks: string[] = [];
  let first = 0;
  while (first < changed.length) {
    let last = first;
    while (
      last + 1 < changed.length &&
      (changed[last + 1] as number) - (changed[last] as number) <= 2 * CONTEXT + 1
    ) {
      last++;
    }
    const from = Math.max(0, (changed[first] as number) - CONTEXT);
    const to = Math.min(ops.length - 1, (changed[last] as number) + CONTEXT);
    const slice = ops.slice(from, to + 1);
    const oldStart = slice[0]?.oldIndex ?? 0;
    const newStart = slice[0]?.newIndex ?? 0;
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    const lines = slice.map((op) =>
      op.kind === "+"
        ? body("+", newLines[op.newIndex] as Line)
        : body(op.kind, oldLines[op.oldIndex] as Line),
    );
    hunks.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n${lines.join("")}`);
    first = last + 1;
  }
  return header.join("") + hunks.join("");
}

/**
 * One file's edit applied to its current text: create, delete, replace whole, or update by
 * blocks. Returns the new text (undefined for a deletion) or refusals.
 */
import { applyBlocks } from "./apply.ts";
import { isPlaceholder } from "./elision.ts";
import { diffLines } from "./line-diff.ts";
import { splitFile } from "./text.ts";
import type { FileEdit, Refusal } from "./types.ts";

/** A whole-file rewrite is accepted for files up to this many lines; larger ones need blocks. */
export const MAX_WHOLE_FILE_LINES = 150;
/**
 * A fenced snippet after a path line looks like a whole file; one that keeps fewer than half of
 * a file's lines is taken for a snippet and refused, or it would truncate the file.
 */
const MIN_LINES_FOR_SNIPPET_CHECK = 6;

export type OneOutcome = { after: string | undefined; notes: string[] } | { refusals: Refusal[] };

export function applyOne(edit: FileEdit, current: string | undefined): OneOutcome {
  const path = edit.path;
  const missing = (verb: string): OneOutcome => ({
    refusals: [
      {
        kind: "missing",
        path,
        reason: `${path} does not exist on the AI branch, so the edit cannot ${verb} it`,
      },
    ],
  });
  switch (edit.kind) {
    case "create":
      if (current !== undefined) {
        return { refusals: [{ kind: "exists", path, reason: edit.ifExists }] };
      }
      return { after: joinNew(edit.content, edit.finalNewline), notes: [] };
    case "delete": {
      if (current === undefined) {
        return missing("delete");
      }
      const have = splitFile(current).lines.map((line) => line.trimEnd());
      if (edit.expected && edit.expected.map((line) => line.trimEnd()).join("\n") !== have.join("\n")) {
        return {
          refusals: [
            {
              kind: "not-found",
              path,
              reason: `the diff deletes ${path}, but the lines it removes are not the file's current content`,
            },
          ],
        };
      }
      return { after: undefined, notes: [] };
    }
    case "whole":
      return current === undefined
        ? { after: joinNew(edit.content, true), notes: [] }
        : replaceWhole(path, current, edit.content);
    case "update": {
      if (current === undefined) {
        return missing("change");
      }
      const result = applyBlocks(path, current, edit.blocks);
      if (!result.ok) {
        return { refusals: result.refusals };
      }
      const loose = result.levels.filter((level) => level !== "exact");
      return {
        after: result.after,
        notes:
          loose.length > 0
            ? [`${path}: matched with ${[...new Set(loose)].join(", ")} differences ignored`]
            : [],
      };
    }
  }
}

function joinNew(content: string[], finalNewline: boolean): string {
  return content.length === 0 ? "" : content.join("\n") + (finalNewline ? "\n" : "");
}

/** A whole-file rewrite keeps the file's line endings and final-newline state. */
function replaceWhole(path: string, current: string, content: string[]): OneOutcome {
  const file = splitFile(current);
  if (file.lines.length > MAX_WHOLE_FILE_LINES) {
    return {
      refusals: [
        {
          kind: "too-large",
          path,
          reason: `${path} has ${file.lines.length} lines; whole-file rewrites are accepted up to ${MAX_WHOLE_FILE_LINES} lines, so send SEARCH/REPLACE blocks for the lines you change`,
        },
      ],
    };
  }
  const existing = new Set(file.lines.map((line) => line.trim()));
  const placeholder = content.find((line) => isPlaceholder(line) && !existing.has(line.trim()));
  if (placeholder !== undefined) {
    return {
      refusals: [
        {
          kind: "elision",
          path,
          regions: [{ start: 1, end: file.lines.length }],
          reason: `the new content of ${path} writes the placeholder "${placeholder.trim()}" instead of lines it keeps; send the whole file or SEARCH/REPLACE blocks, never a placeholder`,
        },
      ],
    };
  }
  const kept = diffLines(file.lines, content).filter((op) => op.kind === " ").length;
  if (file.lines.length >= MIN_LINES_FOR_SNIPPET_CHECK && kept * 2 < file.lines.length) {
    return {
      refusals: [
        {
          kind: "elision",
          path,
          regions: [{ start: 1, end: file.lines.length }],
          reason: `the content given for ${path} keeps only ${kept} of its ${file.lines.length} lines, so it reads as a snippet, not the whole file; send SEARCH/REPLACE blocks for the lines you change`,
        },
      ],
    };
  }
  const hadFinalNewline = file.lines.length === 0 || file.endings.at(-1) !== "";
  const after = content.join(file.newline) + (content.length > 0 && hadFinalNewline ? file.newline : "");
  return { after, notes: [] };
}

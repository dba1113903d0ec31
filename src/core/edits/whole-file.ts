/**
 * Whole-file content: a fenced block with the file's path alone on the line before it, as
 * Aider's whole-file format asks for (Aider-AI/aider@5dc9490b aider/coders/wholefile_prompts.py:57: the path,
 * then a *file listing* with the entire content of the file).
 */
import { pathOnLine } from "./search-replace.ts";
import type { FileEdit, ParsedEdit } from "./types.ts";

const OPEN = /^(\s*)(`{3,}|~{3,})[\w+.-]*\s*$/;

export function parseWholeFiles(lines: readonly string[]): ParsedEdit {
  const edits: FileEdit[] = [];
  for (let index = 0; index < lines.length; index++) {
    const open = OPEN.exec(lines[index] as string);
    if (!open) {
      continue;
    }
    const fence = open[2] as string;
    let close = index + 1;
    while (close < lines.length && (lines[close] as string).trim() !== fence) {
      close++;
    }
    if (close >= lines.length) {
      break;
    }
    const previous = lines.slice(Math.max(0, index - 2), index).filter((line) => line.trim() !== "");
    const path = previous.length > 0 ? pathOnLine(previous.at(-1) as string) : undefined;
    if (path !== undefined) {
      edits.push({ kind: "whole", path, content: lines.slice(index + 1, close) as string[] });
    }
    index = close;
  }
  if (edits.length === 0) {
    return {
      ok: false,
      refusals: [
        {
          kind: "format",
          reason:
            "no edit found: expected SEARCH/REPLACE blocks (the file path on the line before <<<<<<< SEARCH), a unified diff (--- a/PATH, +++ b/PATH, @@ hunks), a *** Begin Patch block, or a small file's whole content in a fence after its path",
        },
      ],
    };
  }
  return { ok: true, format: "whole-file", edits };
}

/**
 * SEARCH/REPLACE blocks: Aider's `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` with the file
 * path alone on a line before them, found by looking back up to three lines past fence lines
 * (Aider-AI/aider@5dc9490b aider/coders/editblock_coder.py:439 `find_original_update_blocks`,
 * :538 `find_filename`, :408 `strip_filename`), and Cline's `------- SEARCH` / `=======` / `+++++++ REPLACE`
 * (cline/cline@00f68590 src/core/assistant-message/diff.ts:9-11, `SEARCH_BLOCK_START_REGEX` and
 * siblings).
 * A block without a path line belongs to the previous block's file, as in Aider.
 */
import { diffLines } from "./line-diff.ts";
import type { BlockLine, FileEdit, ParsedEdit } from "./types.ts";

const SEARCH = /^\s*(?:<{5,9}|-{3,})\s*SEARCH\s*$/;
const DIVIDER = /^\s*={3,9}\s*$/;
const REPLACE = /^\s*(?:>{5,9}|\+{3,})\s*REPLACE\s*$/;
const FENCE = /^\s*(?:`{3,}|~{3,})[\w+-]*\s*$/;

export function looksLikeSearchReplace(lines: readonly string[]): boolean {
  return lines.some((line) => SEARCH.test(line));
}

/** A path written alone on a line: `path`, `` `path` ``, `**path**`, `# path`, `path:`, `<path>path</path>`. */
export function pathOnLine(line: string): string | undefined {
  let text = line.trim();
  const tagged = /^<path>(.*)<\/path>$/.exec(text);
  if (tagged) {
    text = tagged[1] ?? "";
  }
  text = text
    .replace(/^(?:#+|[-*]\s)\s*/, "")
    .replace(/^(?:file(?:name)?|path)\s*:\s*/i, "")
    .replace(/:$/, "")
    .replace(/^[`*]+|[`*]+$/g, "")
    .replaceAll("\\_", "_")
    .trim();
  if (text === "" || /\s/.test(text) || !/[./]/.test(text) || /^\.+$/.test(text) || FENCE.test(text)) {
    return undefined;
  }
  return text;
}

function pathBefore(lines: readonly string[], index: number): string | undefined {
  for (let back = index - 1; back >= Math.max(0, index - 3); back--) {
    const line = lines[back] as string;
    if (FENCE.test(line)) {
      continue;
    }
    return pathOnLine(line);
  }
  return undefined;
}

export function parseSearchReplace(lines: readonly string[]): ParsedEdit {
  const edits: FileEdit[] = [];
  let lastPath: string | undefined;
  let count = 0;
  for (let index = 0; index < lines.length; index++) {
    if (!SEARCH.test(lines[index] as string)) {
      continue;
    }
    count++;
    const path = pathBefore(lines, index) ?? lastPath;
    if (path === undefined) {
      return refuse(
        `SEARCH/REPLACE block ${count} (line ${index + 1}) names no file: put the file's path alone on the line before "<<<<<<< SEARCH"`,
      );
    }
    lastPath = path;
    const search: string[] = [];
    const replace: string[] = [];
    let cursor = index + 1;
    while (cursor < lines.length && !DIVIDER.test(lines[cursor] as string)) {
      search.push(lines[cursor] as string);
      cursor++;
    }
    if (cursor >= lines.length) {
      return refuse(`SEARCH/REPLACE block ${count} (line ${index + 1}) has no "=======" line`);
    }
    cursor++;
    while (cursor < lines.length && !REPLACE.test(lines[cursor] as string)) {
      replace.push(lines[cursor] as string);
      cursor++;
    }
    if (cursor >= lines.length) {
      return refuse(
        `SEARCH/REPLACE block ${count} (line ${index + 1}) has no ">>>>>>> REPLACE" line; it may be cut off`,
      );
    }
    index = cursor;
    if (search.every((line) => line.trim() === "")) {
      edits.push({
        kind: "create",
        path,
        content: replace,
        finalNewline: true,
        ifExists: `SEARCH/REPLACE block ${count} for ${path} has an empty SEARCH section, but ${path} exists: an empty SEARCH could mean append or replace everything, so quote the lines to change`,
      });
      continue;
    }
    edits.push({
      kind: "update",
      path,
      blocks: [{ lines: blockLines(search, replace), label: `SEARCH/REPLACE block ${count} (${path})` }],
    });
  }
  return edits.length > 0
    ? { ok: true, format: "search-replace", edits }
    : refuse("no complete SEARCH/REPLACE block");
}

/** The block as kept/removed/added lines, so kept lines keep the file's exact text. */
function blockLines(search: string[], replace: string[]): BlockLine[] {
  return diffLines(search, replace).map((op) =>
    op.kind === "+"
      ? { kind: "+", text: replace[op.newIndex] as string }
      : { kind: op.kind, text: search[op.oldIndex] as string },
  );
}

function refuse(reason: string): ParsedEdit {
  return { ok: false, refusals: [{ kind: "format", reason }] };
}

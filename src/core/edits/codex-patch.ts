/**
 * Codex's `apply_patch` format (openai/codex@0e0fb63d codex-rs/apply-patch/src/parser.rs:4, the Lark
 * grammar in its module comment): `*** Begin Patch`, then `*** Add File: p` (lines prefixed with `+`),
 * `*** Delete File: p` or `*** Update File: p` with chunks of ` `/`-`/`+` lines, each chunk
 * optionally opened by `@@ <a line that comes before it>`, and `*** End Patch`. Like Codex's
 * lenient mode, the patch may sit inside a heredoc (`apply_patch <<'EOF'`) or a fence: we read
 * from the `*** Begin Patch` line to the `*** End Patch` line and ignore what is around them.
 */
import type { BlockLine, ChangeBlock, FileEdit, ParsedEdit } from "./types.ts";

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const ADD = "*** Add File: ";
const DELETE = "*** Delete File: ";
const UPDATE = "*** Update File: ";
const MOVE = "*** Move to: ";
const END_OF_FILE = "*** End of File";

export function looksLikeCodexPatch(lines: readonly string[]): boolean {
  return lines.some((line) => line.trim() === BEGIN);
}

/** Every `*** Begin Patch` … `*** End Patch` block in the text, read in order. */
export function parseCodexPatch(allLines: readonly string[]): ParsedEdit {
  const edits: FileEdit[] = [];
  let begin = allLines.findIndex((line) => line.trim() === BEGIN);
  while (begin !== -1) {
    const end = allLines.findIndex((line, index) => index > begin && line.trim() === END);
    if (end === -1) {
      return {
        ok: false,
        refusals: [
          {
            kind: "format",
            reason: `the patch has "${BEGIN}" (line ${begin + 1}) but no "${END}" after it; it may be cut off`,
          },
        ],
      };
    }
    const block = parseBlock(allLines.slice(begin + 1, end), begin);
    if (!block.ok) {
      return block;
    }
    edits.push(...block.edits);
    const next = end;
    begin = allLines.findIndex((line, index) => index > next && line.trim() === BEGIN);
  }
  if (edits.length === 0) {
    return { ok: false, refusals: [{ kind: "format", reason: "the patch has no file sections" }] };
  }
  return { ok: true, format: "codex-patch", edits };
}

function parseBlock(lines: readonly string[], begin: number): ParsedEdit {
  const edits: FileEdit[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = (lines[index] as string).trim();
    const at = begin + index + 2;
    if (line === "") {
      index++;
    } else if (line.startsWith(ADD)) {
      const path = line.slice(ADD.length).trim();
      const content: string[] = [];
      index++;
      while (index < lines.length && (lines[index] as string).startsWith("+")) {
        content.push((lines[index] as string).slice(1));
        index++;
      }
      edits.push({
        kind: "create",
        path,
        content,
        finalNewline: true,
        ifExists: `${path} already exists, but the patch adds it (${ADD.trim()}); use ${UPDATE.trim()} to change it`,
      });
    } else if (line.startsWith(DELETE)) {
      edits.push({ kind: "delete", path: line.slice(DELETE.length).trim() });
      index++;
    } else if (line.startsWith(UPDATE)) {
      const path = line.slice(UPDATE.length).trim();
      index++;
      if ((lines[index] ?? "").trim().startsWith(MOVE)) {
        return {
          ok: false,
          refusals: [
            {
              kind: "format",
              reason: `the patch moves ${path} (line ${at + 1}); moves are not accepted from an edit: add the new file and delete the old one`,
            },
          ],
        };
      }
      const read = readChunks(lines, index, path);
      if (read.blocks.length === 0) {
        return {
          ok: false,
          refusals: [{ kind: "format", reason: `"${UPDATE}${path}" (line ${at}) has no changes under it` }],
        };
      }
      edits.push({ kind: "update", path, blocks: read.blocks });
      index = read.next;
    } else {
      return {
        ok: false,
        refusals: [
          {
            kind: "format",
            reason: `line ${at} ("${line.slice(0, 60)}") is not a valid file header; expected "${ADD}PATH", "${DELETE}PATH" or "${UPDATE}PATH"`,
          },
        ],
      };
    }
  }
  return { ok: true, format: "codex-patch", edits };
}

function readChunks(
  lines: readonly string[],
  start: number,
  path: string,
): { blocks: ChangeBlock[]; next: number } {
  const blocks: ChangeBlock[] = [];
  let current: { lines: BlockLine[]; anchor?: string; atEnd?: boolean } | undefined;
  const close = () => {
    if (current?.lines.some((line) => line.kind !== " ")) {
      blocks.push({ ...current, label: `chunk ${blocks.length + 1} of ${path}` });
    }
    current = undefined;
  };
  let index = start;
  while (index < lines.length) {
    const line = lines[index] as string;
    if (line.startsWith("*** ")) {
      if (line.trim() === END_OF_FILE) {
        if (current) {
          current.atEnd = true;
        }
        index++;
        continue;
      }
      break;
    }
    if (line.startsWith("@@")) {
      close();
      const anchor = line.slice(2).trim();
      current = { lines: [], ...(anchor !== "" ? { anchor } : {}) };
    } else {
      current ??= { lines: [] };
      const kind = line[0];
      if (kind === "+" || kind === "-" || kind === " ") {
        current.lines.push({ kind, text: line.slice(1) });
      } else {
        // Codex reads a line without a prefix as context (lenient, as models drop the space).
        current.lines.push({ kind: " ", text: line });
      }
    }
    index++;
  }
  close();
  return { blocks, next: index };
}

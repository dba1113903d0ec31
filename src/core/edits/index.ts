/**
 * The one edit applier: what a model, a local executor or a remembered fix wrote, in any of
 * the formats models write, becomes either a canonical git diff or refusals a model and a human
 * can act on. Pure: file contents come in through `readFile`.
 *
 * Rules, in one place (docs/edits.md says the same for users):
 * - Blocks are located by content only. A unified diff's line numbers and counts are ignored,
 *   even to choose between two places: a model's numbers are the least reliable part of its
 *   diff, so context that matches more than one place is refused, naming every match.
 * - A block with no unchanged or removed line (a `-U0` insertion) has no content to locate and
 *   is refused, except into an empty file.
 * - A placeholder ("... unchanged ...", "# ...", "rest of file") that stands for existing
 *   lines is refused.
 * - A whole-file answer that keeps under half of an existing file is a snippet, and refused.
 * - An answer mixing formats is refused rather than half read.
 * - Each file keeps its line endings and its final-newline state.
 * - Paths are checked with the patch guard's own path rules before any file is read; every
 *   other guard rule runs on the canonical diff afterwards.
 */

import { applyHunks } from "../patch-guard/hunks.ts";
import { parseUnifiedDiff } from "../patch-guard/parse.ts";
import { pathShapeProblem } from "../patch-guard/paths.ts";
import { applyOne, MAX_WHOLE_FILE_LINES } from "./apply-file.ts";
import { looksLikeCodexPatch, parseCodexPatch } from "./codex-patch.ts";
import { renderFileDiff } from "./render.ts";
import { looksLikeSearchReplace, parseSearchReplace } from "./search-replace.ts";
import { editLines } from "./text.ts";
import type { EditResult, FileEdit, FileResult, ParsedEdit, ReadFile, Refusal } from "./types.ts";
import { hasDiffFileHeaders, looksLikeUnifiedDiff, parseUnified } from "./unified.ts";
import { parseWholeFiles } from "./whole-file.ts";

export { isPlaceholder } from "./elision.ts";
export type {
  EditFormat,
  EditResult,
  FileResult,
  ReadFile,
  Refusal,
  RefusalKind,
  Region,
} from "./types.ts";
export { MAX_WHOLE_FILE_LINES };

/** Edits larger than this are not model edits. */
export const MAX_EDIT_CHARS = 1_000_000;
/** A line this long is not something a human reviews in a patch. */
export const MAX_LINE_CHARS = 20_000;

/** Reads the edit's format and its per-file edits, without looking at any file. */
export function parseEdit(editText: string): ParsedEdit {
  const hostile = hostileText(editText);
  if (hostile !== undefined) {
    return { ok: false, refusals: [{ kind: "hostile", reason: hostile }] };
  }
  const lines = editLines(editText);
  const formats = [
    looksLikeCodexPatch(lines) ? "a *** Begin Patch block" : undefined,
    looksLikeSearchReplace(lines) ? "SEARCH/REPLACE blocks" : undefined,
    hasDiffFileHeaders(lines) ? "a unified diff" : undefined,
  ].filter((format) => format !== undefined);
  if (formats.length > 1) {
    // Reading one and ignoring the other would drop part of what the model meant.
    return {
      ok: false,
      refusals: [
        {
          kind: "format",
          reason: `the answer mixes ${formats.join(" and ")}; send the whole edit in one format`,
        },
      ],
    };
  }
  const parsed = looksLikeCodexPatch(lines)
    ? parseCodexPatch(lines)
    : looksLikeSearchReplace(lines)
      ? parseSearchReplace(lines)
      : looksLikeUnifiedDiff(lines)
        ? parseUnified(lines)
        : parseWholeFiles(lines);
  return parsed.ok ? { ...parsed, edits: mergeUpdates(parsed.edits) } : parsed;
}

/** All blocks for one file are located in the file as it is, so they go into one update. */
function mergeUpdates(edits: FileEdit[]): FileEdit[] {
  const merged: FileEdit[] = [];
  for (const edit of edits) {
    const earlier = merged.find((candidate) => candidate.kind === "update" && candidate.path === edit.path);
    if (edit.kind === "update" && earlier?.kind === "update") {
      earlier.blocks.push(...edit.blocks);
    } else {
      merged.push(edit.kind === "update" ? { ...edit, blocks: [...edit.blocks] } : edit);
    }
  }
  return merged;
}

function hostileText(text: string): string | undefined {
  if (text.includes("\0")) {
    return "the edit contains NUL bytes; only text edits are accepted";
  }
  if (text.length > MAX_EDIT_CHARS) {
    return `the edit is ${text.length} characters long; at most ${MAX_EDIT_CHARS} are accepted`;
  }
  let start = 0;
  let number = 1;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    const length = (end === -1 ? text.length : end) - start;
    if (length > MAX_LINE_CHARS) {
      return `line ${number} of the edit is ${length} characters long; lines longer than ${MAX_LINE_CHARS} are refused`;
    }
    start = end === -1 ? text.length : end + 1;
    number++;
  }
  return undefined;
}

/** Every path the adapter should read before `applyEdit` (both spellings of a prefixed path). */
export function pathsToRead(editText: string): string[] {
  const parsed = parseEdit(editText);
  if (!parsed.ok) {
    return [];
  }
  const paths = parsed.edits.flatMap((edit) => [
    edit.path,
    ...("altPath" in edit && edit.altPath ? [edit.altPath] : []),
  ]);
  return [...new Set(paths)].filter((path) => pathShapeProblem(path) === undefined);
}

/** Applies the edit in memory; on any refusal no file changes. */
export function applyEdit(editText: string, readFile: ReadFile): EditResult {
  const parsed = parseEdit(editText);
  if (!parsed.ok) {
    return refused(parsed.refusals);
  }
  const format = parsed.format;
  const refusals: Refusal[] = [];
  const byPath = new Map<string, Omit<FileResult, "path">>();
  const notes: string[] = [];
  for (const edit of parsed.edits) {
    const pathProblem = pathShapeProblem(edit.path);
    if (pathProblem !== undefined) {
      refusals.push({ kind: "hostile", reason: pathProblem, path: edit.path });
      continue;
    }
    const path = resolvePath(edit, readFile);
    const state = byPath.get(path) ?? { before: readFile(path), after: undefined };
    const current = byPath.has(path) ? state.after : state.before;
    const outcome = applyOne({ ...edit, path }, current);
    if ("refusals" in outcome) {
      refusals.push(...outcome.refusals);
      continue;
    }
    notes.push(...outcome.notes);
    byPath.set(path, { ...state, after: outcome.after, ...modesOf(edit) });
  }
  if (refusals.length > 0) {
    return refused(refusals, format);
  }
  const files: FileResult[] = [...byPath].map(([path, state]) => ({ path, ...state }));
  const changed = files.filter((file) => file.before !== file.after || file.oldMode !== undefined);
  if (changed.length === 0) {
    return refused(
      [{ kind: "no-op", reason: "the edit changes nothing: the new text is already in the file(s)" }],
      format,
    );
  }
  const diff = changed.map(renderFileDiff).join("");
  const check = selfCheck(diff, changed);
  if (check !== undefined) {
    return refused([{ kind: "format", reason: check }], format);
  }
  return { ok: true, format, files: changed, diff, notes };
}

function modesOf(edit: FileEdit): Pick<FileResult, "mode" | "oldMode"> {
  if (edit.kind === "create" && edit.mode !== undefined) {
    return { mode: edit.mode };
  }
  if (edit.kind === "update" && edit.modeChange !== undefined) {
    return { mode: edit.modeChange.to, oldMode: edit.modeChange.from };
  }
  return {};
}

function refused(refusals: Refusal[], format?: EditResult["format"]): EditResult {
  return {
    ok: false,
    ...(format ? { format } : {}),
    reasons: refusals.map((refusal) => refusal.reason),
    refusals,
  };
}

function resolvePath(edit: FileEdit, readFile: ReadFile): string {
  if ("altPath" in edit && edit.altPath !== undefined && readFile(edit.path) === undefined) {
    if (pathShapeProblem(edit.altPath) === undefined && readFile(edit.altPath) !== undefined) {
      return edit.altPath;
    }
  }
  return edit.path;
}

/** The canonical diff must read back, through the guard's own parser, to exactly the files we built. */
function selfCheck(diff: string, files: FileResult[]): string | undefined {
  const parsed = parseUnifiedDiff(diff);
  if (!parsed.ok) {
    return `the edit cannot be expressed as a diff the patch guard reads: ${parsed.reason}`;
  }
  for (const change of parsed.patch.files) {
    const path = change.newPath ?? change.oldPath;
    const file = files.find((candidate) => candidate.path === path);
    if (file === undefined) {
      return `the canonical diff names ${path}, which the edit did not change`;
    }
    const rebuilt = change.kind === "delete" ? undefined : applyHunks(file.before ?? "", change.hunks);
    if (rebuilt !== file.after) {
      return `the canonical diff of ${path} does not reproduce the edit (a bug in the edit applier; please report it)`;
    }
  }
  return undefined;
}

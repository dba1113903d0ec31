/**
 * Reads unified diffs the way models write them: hunk headers without numbers (`@@ @@`) or
 * with wrong counts, `diff -U0`, paths without `a/`/`b/`, prose or a Markdown fence around
 * them. Each hunk becomes a block located later by its content; its numbers and counts are
 * ignored, as Aider's udiff coder does (Aider-AI/aider@5dc9490b aider/coders/udiff_coder.py:403,
 * `hunk_to_before_after`: a hunk is the text before and the text after, nothing more).
 */
import { parseGitHeaderPaths, stripTimestamp, unquoteGitPath } from "../patch-guard/git-paths.ts";
import type { BlockLine, FileEdit, ParsedEdit, Refusal } from "./types.ts";

type Pending = {
  oldPath: string | null;
  newPath: string | null;
  /** The path as written when an `a/`/`b/` prefix was taken off without a `diff --git` header. */
  unprefixed?: string;
  isNew: boolean;
  isDeleted: boolean;
  oldMode?: string;
  newMode?: string;
  /** A `diff --git` header waiting for its `---`/`+++` lines. */
  expectsPlusMinus: boolean;
  hunks: { lines: BlockLine[]; noNewlineAtEnd: boolean }[];
  line: number;
};

const FILE_START = /^(?:diff --git |--- )/;

export function looksLikeUnifiedDiff(lines: readonly string[]): boolean {
  return lines.some(
    (line, index) =>
      line.startsWith("diff --git ") ||
      line.startsWith("@@") ||
      (line.startsWith("--- ") && (lines[index + 1] ?? "").startsWith("+++ ")),
  );
}

/** File headers only (`diff --git`, or `---` followed by `+++`): what no other format has. */
export function hasDiffFileHeaders(lines: readonly string[]): boolean {
  return lines.some(
    (line, index) =>
      line.startsWith("diff --git ") ||
      (line.startsWith("--- ") && (lines[index + 1] ?? "").startsWith("+++ ")),
  );
}

/** The lines inside ```diff / ```patch fences, when there are any; else all lines. */
export function diffFenceContents(lines: readonly string[]): readonly string[] {
  const inside: string[] = [];
  let open: string | undefined;
  let sawDiffFence = false;
  for (const line of lines) {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w-]*)\s*$/.exec(line);
    if (open === undefined && fence && /^(?:diff|patch|udiff)$/i.test(fence[2] ?? "")) {
      open = fence[1];
      sawDiffFence = true;
      continue;
    }
    if (open !== undefined && line.trim() === open) {
      open = undefined;
      inside.push("");
      continue;
    }
    if (open !== undefined) {
      inside.push(line);
    }
  }
  return sawDiffFence ? inside : lines;
}

export function parseUnified(allLines: readonly string[]): ParsedEdit {
  const lines = diffFenceContents(allLines);
  const files: Pending[] = [];
  const refusals: Refusal[] = [];
  let current: Pending | undefined;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] as string;
    if (line.startsWith("diff --git ")) {
      const paths = parseGitHeaderPaths(line.slice("diff --git ".length));
      current = {
        oldPath: paths?.oldPath ?? null,
        newPath: paths?.newPath ?? null,
        isNew: false,
        isDeleted: false,
        expectsPlusMinus: true,
        hunks: [],
        line: index + 1,
      };
      files.push(current);
      index++;
      while (
        index < lines.length &&
        !FILE_START.test(lines[index] as string) &&
        !(lines[index] as string).startsWith("@@")
      ) {
        const header = lines[index] as string;
        if (header.startsWith("new file mode ")) {
          current.isNew = true;
          current.newMode = header.slice("new file mode ".length).trim();
        } else if (header.startsWith("old mode ")) {
          current.oldMode = header.slice("old mode ".length).trim();
        } else if (header.startsWith("new mode ")) {
          current.newMode = header.slice("new mode ".length).trim();
        } else if (header.startsWith("deleted file mode")) {
          current.isDeleted = true;
        } else if (/^(?:rename|copy) (?:from|to) /.test(header) || header.startsWith("similarity index")) {
          refusals.push({
            kind: "format",
            reason: `the diff renames or copies a file (line ${index + 1}); renames are not accepted from an edit: create the new file and delete the old one`,
          });
        } else if (header === "GIT binary patch" || /^Binary files .* differ$/.test(header)) {
          refusals.push({
            kind: "format",
            reason: `the diff carries binary content (line ${index + 1}); only text edits are accepted`,
          });
        } else if (header.trim() === "") {
          break;
        }
        index++;
      }
      continue;
    }
    if (line.startsWith("--- ") && (lines[index + 1] ?? "").startsWith("+++ ")) {
      const oldRaw = pathField(line.slice(4));
      const newRaw = pathField((lines[index + 1] as string).slice(4));
      if (current === undefined || !current.expectsPlusMinus) {
        current = {
          oldPath: null,
          newPath: null,
          isNew: false,
          isDeleted: false,
          expectsPlusMinus: false,
          hunks: [],
          line: index + 1,
        };
        files.push(current);
        assignPlainPaths(current, oldRaw, newRaw);
      } else {
        // Under a `diff --git` header: its paths stand; /dev/null still says create or delete.
        current.isNew ||= oldRaw === "/dev/null";
        current.isDeleted ||= newRaw === "/dev/null";
        if (current.oldPath === null && current.newPath === null) {
          assignPlainPaths(current, oldRaw, newRaw);
        }
        current.expectsPlusMinus = false;
      }
      index += 2;
      continue;
    }
    if (line.startsWith("@@")) {
      if (current === undefined) {
        refusals.push({
          kind: "format",
          reason: `the hunk at line ${index + 1} comes before any file header; name the file with "--- a/PATH" and "+++ b/PATH" lines`,
        });
        break;
      }
      current.expectsPlusMinus = false;
      index = readHunk(lines, index + 1, current);
      continue;
    }
    index++; // prose around the diff
  }
  if (refusals.length > 0) {
    return { ok: false, refusals };
  }
  const edits: FileEdit[] = [];
  for (const file of files) {
    const edit = toFileEdit(file);
    if ("reason" in edit) {
      refusals.push(edit);
    } else {
      edits.push(edit);
    }
  }
  if (edits.length === 0 && refusals.length === 0) {
    refusals.push({ kind: "format", reason: "the diff names no file and has no hunks" });
  }
  return refusals.length > 0 ? { ok: false, refusals } : { ok: true, format: "unified-diff", edits };
}

function pathField(raw: string): string {
  const path = stripTimestamp(raw.trimEnd());
  return path.startsWith('"') ? (unquoteGitPath(path) ?? path) : path;
}

function assignPlainPaths(file: Pending, oldRaw: string, newRaw: string): void {
  file.isNew = oldRaw === "/dev/null";
  file.isDeleted = newRaw === "/dev/null";
  const bothPrefixed =
    (oldRaw.startsWith("a/") || file.isNew) &&
    (newRaw.startsWith("b/") || file.isDeleted) &&
    !(file.isNew && file.isDeleted);
  const strip = (path: string, prefix: string) =>
    bothPrefixed && path.startsWith(prefix) ? path.slice(2) : path;
  file.oldPath = file.isNew ? null : strip(oldRaw, "a/");
  file.newPath = file.isDeleted ? null : strip(newRaw, "b/");
  if (bothPrefixed) {
    file.unprefixed = file.isNew ? newRaw : oldRaw;
  }
}

/** Reads hunk lines up to the next hunk, file header or prose line; returns the next index. */
function readHunk(lines: readonly string[], start: number, file: Pending): number {
  const hunk: { lines: BlockLine[]; noNewlineAtEnd: boolean } = { lines: [], noNewlineAtEnd: false };
  let index = start;
  while (index < lines.length) {
    const line = lines[index] as string;
    if (line.startsWith("@@") || line.startsWith("diff --git ")) {
      break;
    }
    if (line.startsWith("--- ") && (lines[index + 1] ?? "").startsWith("+++ ")) {
      break;
    }
    if (line.startsWith("\\")) {
      hunk.noNewlineAtEnd = hunk.lines.at(-1)?.kind !== "-";
    } else if (line === "") {
      // git reads an empty line in a hunk as an empty context line.
      hunk.lines.push({ kind: " ", text: "" });
    } else if (line[0] === " " || line[0] === "+" || line[0] === "-") {
      hunk.lines.push({ kind: line[0], text: line.slice(1) });
    } else if (isUnprefixedContext(lines, index)) {
      // A context line whose leading space the model dropped, between hunk lines: read as
      // context, as Codex's lenient parser does; matching by content checks it.
      hunk.lines.push({ kind: " ", text: line });
    } else {
      break;
    }
    index++;
  }
  // Empty lines after the last change are as likely a gap before prose as context: drop them.
  while (hunk.lines.at(-1)?.kind === " " && hunk.lines.at(-1)?.text === "" && lines[index - 1] === "") {
    hunk.lines.pop();
    index--;
  }
  if (hunk.lines.some((line) => line.kind !== " ")) {
    file.hunks.push(hunk);
  }
  return Math.max(index, start);
}

/**
 * An unprefixed line continues the hunk only between hunk lines: after a non-empty one and
 * before one that is prefixed. After an empty line it is prose, which ends the hunk.
 */
function isUnprefixedContext(lines: readonly string[], index: number): boolean {
  const previous = lines[index - 1] ?? "";
  const next = lines[index + 1] ?? "";
  const isHunkLine = (line: string) => /^[ +-]/.test(line) && !/^(?:--- |\+\+\+ )/.test(line);
  return previous !== "" && isHunkLine(previous) && isHunkLine(next);
}

function toFileEdit(file: Pending): FileEdit | Refusal {
  const path = file.newPath ?? file.oldPath;
  if (path === null) {
    return { kind: "format", reason: `the file header at line ${file.line} names no file` };
  }
  if (file.oldPath !== null && file.newPath !== null && file.oldPath !== file.newPath) {
    return {
      kind: "format",
      reason: `the file header at line ${file.line} names two files (${file.oldPath}, ${file.newPath}); renames are not accepted from an edit`,
    };
  }
  const alt = file.unprefixed !== undefined ? { altPath: file.unprefixed } : {};
  if (file.isNew) {
    const content = file.hunks.flatMap((hunk) =>
      hunk.lines.filter((line) => line.kind !== "-").map((line) => line.text),
    );
    return {
      kind: "create",
      path,
      content,
      finalNewline: !(file.hunks.at(-1)?.noNewlineAtEnd ?? false),
      ...(file.newMode !== undefined ? { mode: file.newMode } : {}),
      ifExists: `${path} already exists, but the diff creates it (--- /dev/null); send a diff that changes it`,
    };
  }
  if (file.isDeleted) {
    const expected = file.hunks.flatMap((hunk) =>
      hunk.lines.filter((line) => line.kind !== "+").map((line) => line.text),
    );
    return { kind: "delete", path, ...alt, ...(expected.length > 0 ? { expected } : {}) };
  }
  if (file.hunks.length === 0) {
    return { kind: "format", reason: `the diff for ${path} (line ${file.line}) has no hunks with changes` };
  }
  return {
    kind: "update",
    path,
    ...alt,
    blocks: file.hunks.map((hunk, number) => ({ lines: hunk.lines, label: `hunk ${number + 1} of ${path}` })),
    ...(file.oldMode !== undefined && file.newMode !== undefined
      ? { modeChange: { from: file.oldMode, to: file.newMode } }
      : {}),
  };
}

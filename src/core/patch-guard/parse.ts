/**
 * A strict unified-diff parser. It reads what `git diff` prints (and plain `---`/`+++` diffs
 * with `a/` and `b/` prefixes) and refuses anything it is not sure about, because whatever
 * it misreads `git apply` might still apply.
 */
import { parseGitHeaderPaths, stripTimestamp, unquoteGitPath } from "./git-paths.ts";

export type HunkLine = { kind: " " | "+" | "-"; text: string };

export type Hunk = {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: HunkLine[];
  /** `\ No newline at end of file` after the last old / new line. */
  oldNoNewlineAtEnd: boolean;
  newNoNewlineAtEnd: boolean;
};

export type FileChangeKind = "modify" | "create" | "delete" | "rename" | "copy";

export type FileChange = {
  kind: FileChangeKind;
  /** Repo-relative paths with the `a/` / `b/` prefix removed; null for the missing side. */
  oldPath: string | null;
  newPath: string | null;
  oldMode: string | null;
  newMode: string | null;
  binary: boolean;
  hunks: Hunk[];
  /** 1-based line of the file's first header line in the diff text. */
  line: number;
};

export type ParsedPatch = { files: FileChange[] };

export type PatchParseResult = { ok: true; patch: ParsedPatch } | { ok: false; reason: string; line: number };

class MalformedDiff extends Error {
  readonly line: number;
  constructor(line: number, reason: string) {
    super(reason);
    this.line = line;
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(?: .*)?$/;
const MODE = /^[0-7]{6}$/;

/** Parses a unified diff, or says why it is malformed and where. */
export function parseUnifiedDiff(text: string): PatchParseResult {
  try {
    return { ok: true, patch: { files: new DiffReader(text).readAll() } };
  } catch (error) {
    if (error instanceof MalformedDiff) {
      return { ok: false, reason: `malformed diff (line ${error.line}): ${error.message}`, line: error.line };
    }
    throw error;
  }
}

class DiffReader {
  private readonly lines: string[];
  private index = 0;

  constructor(text: string) {
    if (text.includes("\0")) {
      throw new MalformedDiff(1, "it contains NUL bytes (binary content)");
    }
    this.lines = text.split("\n");
    // A final newline leaves one empty element; it is not a line of the diff.
    if (this.lines.at(-1) === "") {
      this.lines.pop();
    }
  }

  readAll(): FileChange[] {
    const files: FileChange[] = [];
    while (this.index < this.lines.length) {
      const line = this.current();
      if (line.startsWith("diff --git ")) {
        files.push(this.readGitFile());
      } else if (line.startsWith("--- ") && this.peek(1)?.startsWith("+++ ")) {
        files.push(this.readPlainFile());
      } else if (files.length === 0) {
        this.rejectCarriageReturn(line);
        if (/^(\+\+\+ |@@ )/.test(line)) {
          throw this.error(`"${clip(line)}" comes before any file header (diff --git or ---/+++)`);
        }
        this.index++; // preamble, e.g. a commit message above the diff
      } else if (line === "-- " && this.lines.slice(this.index + 1).every((rest) => !/^[-+ @]/.test(rest))) {
        break; // `git format-patch` signature
      } else if (line.trim() === "") {
        this.index++;
      } else {
        throw this.error(`unexpected line "${clip(line)}" after the last hunk (wrong line counts?)`);
      }
    }
    if (files.length === 0) {
      throw new MalformedDiff(1, "it has no file headers (diff --git or ---/+++ lines)");
    }
    return files;
  }

  private readGitFile(): FileChange {
    const start = this.index + 1;
    const header = this.current();
    this.rejectCarriageReturn(header);
    const headerPaths = parseGitHeaderPaths(header.slice("diff --git ".length));
    this.index++;
    const change: FileChange = {
      kind: "modify",
      oldPath: headerPaths?.oldPath ?? null,
      newPath: headerPaths?.newPath ?? null,
      oldMode: null,
      newMode: null,
      binary: false,
      hunks: [],
      line: start,
    };
    let sawPlusMinus = false;
    while (this.index < this.lines.length) {
      const line = this.current();
      if (line.startsWith("diff --git ") || line.startsWith("@@")) {
        break;
      }
      this.rejectCarriageReturn(line);
      const [keyword, value] = splitExtendedHeader(line);
      if (keyword === "old mode" || keyword === "deleted file mode") {
        change.oldMode = this.mode(value);
        if (keyword === "deleted file mode") {
          change.kind = "delete";
        }
      } else if (keyword === "new mode" || keyword === "new file mode") {
        change.newMode = this.mode(value);
        if (keyword === "new file mode") {
          change.kind = "create";
        }
      } else if (keyword === "rename from" || keyword === "copy from") {
        change.kind = keyword === "rename from" ? "rename" : "copy";
        change.oldPath = this.path(value, "");
      } else if (keyword === "rename to" || keyword === "copy to") {
        change.newPath = this.path(value, "");
      } else if (keyword === "index" || keyword === "similarity index" || keyword === "dissimilarity index") {
        // informational
      } else if (line.startsWith("Binary files ") && line.endsWith(" differ")) {
        change.binary = true;
      } else if (line === "GIT binary patch") {
        change.binary = true;
        this.index++;
        // The payload (forward and reverse blocks) runs to the next file; it is refused anyway.
        while (this.index < this.lines.length && !this.current().startsWith("diff --git ")) {
          this.index++;
        }
        continue;
      } else if (line.startsWith("--- ") && this.peek(1)?.startsWith("+++ ")) {
        this.readPlusMinus(change);
        sawPlusMinus = true;
        continue;
      } else if (line.trim() === "") {
        this.index++;
        break;
      } else {
        throw this.error(
          `unexpected line "${clip(line)}" in the header of the diff starting at line ${start}`,
        );
      }
      this.index++;
    }
    if (!headerPaths && !sawPlusMinus && change.oldPath === null) {
      throw new MalformedDiff(start, `cannot read the file names in "${clip(header)}"`);
    }
    if (change.kind === "create") {
      change.oldPath = null;
    } else if (change.kind === "delete") {
      change.newPath = null;
    }
    if (change.oldPath === null && change.newPath === null) {
      throw new MalformedDiff(start, "a file diff names no file");
    }
    this.readHunks(change);
    return change;
  }

  private readPlainFile(): FileChange {
    const change: FileChange = {
      kind: "modify",
      oldPath: null,
      newPath: null,
      oldMode: null,
      newMode: null,
      binary: false,
      hunks: [],
      line: this.index + 1,
    };
    this.readPlusMinus(change);
    if (change.kind === "rename") {
      // git apply would pick one of the two names; which one is not ours to guess.
      throw new MalformedDiff(
        change.line,
        `the ---/+++ lines name two different files (${change.oldPath}, ${change.newPath})`,
      );
    }
    this.readHunks(change);
    return change;
  }

  /** `--- a/x` / `+++ b/x`; `/dev/null` on one side means create or delete. */
  private readPlusMinus(change: FileChange): void {
    const minus = this.current();
    const plus = this.peek(1) ?? "";
    this.rejectCarriageReturn(minus);
    this.rejectCarriageReturn(plus);
    const oldPath = this.path(stripTimestamp(minus.slice(4)), "a/");
    this.index++;
    const newPath = this.path(stripTimestamp(plus.slice(4)), "b/");
    this.index++;
    if (oldPath === null && newPath === null) {
      throw this.error("both sides of the file header are /dev/null");
    }
    const isGitHeader = change.oldPath !== null || change.newPath !== null;
    if (oldPath === null) {
      change.kind = "create";
    } else if (newPath === null) {
      change.kind = "delete";
    }
    if (isGitHeader && change.kind !== "create" && change.kind !== "copy" && oldPath !== null) {
      if (change.oldPath !== null && change.oldPath !== oldPath) {
        throw this.error(`"--- a/${oldPath}" does not match the diff --git header (${change.oldPath})`);
      }
    }
    if (isGitHeader && change.kind !== "delete" && newPath !== null) {
      if (change.newPath !== null && change.newPath !== newPath) {
        throw this.error(`"+++ b/${newPath}" does not match the diff --git header (${change.newPath})`);
      }
    }
    change.oldPath = oldPath ?? change.oldPath;
    change.newPath = newPath ?? change.newPath;
    if (change.kind === "modify" && change.oldPath !== change.newPath) {
      change.kind = "rename";
    }
  }

  private readHunks(change: FileChange): void {
    while (this.index < this.lines.length && this.current().startsWith("@@")) {
      if (change.binary) {
        throw this.error("a binary file diff cannot have text hunks");
      }
      change.hunks.push(this.readHunk());
    }
    if (change.kind === "modify" && change.hunks.length === 0 && !change.binary && change.oldMode === null) {
      throw new MalformedDiff(change.line, `the diff for ${change.newPath} has no hunks`);
    }
  }

  private readHunk(): Hunk {
    const headerLine = this.index + 1;
    const header = this.current();
    this.rejectCarriageReturn(header);
    const match = HUNK_HEADER.exec(header);
    if (!match) {
      throw this.error(`"${clip(header)}" is not a valid hunk header`);
    }
    const hunk: Hunk = {
      oldStart: Number(match[1]),
      oldCount: match[2] === undefined ? 1 : Number(match[2]),
      newStart: Number(match[3]),
      newCount: match[4] === undefined ? 1 : Number(match[4]),
      lines: [],
      oldNoNewlineAtEnd: false,
      newNoNewlineAtEnd: false,
    };
    this.index++;
    let oldSeen = 0;
    let newSeen = 0;
    let endings: "crlf" | "lf" | undefined;
    while (oldSeen < hunk.oldCount || newSeen < hunk.newCount) {
      if (this.index >= this.lines.length) {
        throw new MalformedDiff(
          headerLine,
          `truncated hunk: the header promises ${hunk.oldCount} old and ${hunk.newCount} new lines, ` +
            `the diff ends after ${oldSeen} old and ${newSeen} new`,
        );
      }
      const raw = this.current();
      // git apply reads an empty line inside a hunk as an empty context line.
      const kind = raw === "" ? " " : raw[0];
      if (kind !== " " && kind !== "+" && kind !== "-") {
        if (raw.startsWith("\\")) {
          markNoNewline(hunk);
          this.index++;
          continue;
        }
        throw new MalformedDiff(
          headerLine,
          `wrong line counts: the hunk header promises ${hunk.oldCount} old and ${hunk.newCount} new lines, ` +
            `but only ${oldSeen} old and ${newSeen} new come before "${clip(raw)}"`,
        );
      }
      const lineEnding = raw.endsWith("\r") ? "crlf" : "lf";
      if (raw !== "" && endings !== undefined && endings !== lineEnding) {
        throw this.error(
          "the hunk mixes CRLF and LF line endings; send the diff with the file's own line endings",
        );
      }
      if (raw !== "") {
        endings = lineEnding;
      }
      hunk.lines.push({ kind, text: raw.slice(1) });
      if (kind !== "+") {
        oldSeen++;
      }
      if (kind !== "-") {
        newSeen++;
      }
      if (oldSeen > hunk.oldCount || newSeen > hunk.newCount) {
        throw new MalformedDiff(
          headerLine,
          `wrong line counts: the hunk has more lines than its header "${header}" says`,
        );
      }
      this.index++;
    }
    while (this.index < this.lines.length && this.current().startsWith("\\")) {
      markNoNewline(hunk);
      this.index++;
    }
    const next = this.current() as string | undefined;
    if (
      next !== undefined &&
      /^[-+ ]/.test(next) &&
      !(next.startsWith("--- ") && this.peek(1)?.startsWith("+++ "))
    ) {
      if (next !== "-- ") {
        throw new MalformedDiff(
          headerLine,
          `wrong line counts: the hunk has more lines than its header "${header}" says`,
        );
      }
    }
    return hunk;
  }

  private path(raw: string, prefix: "a/" | "b/" | ""): string | null {
    if (raw === "/dev/null") {
      return null;
    }
    const decoded = raw.startsWith('"') ? unquoteGitPath(raw) : raw;
    if (decoded === undefined) {
      throw this.error(`cannot read the quoted path ${clip(raw)}`);
    }
    if (prefix === "") {
      return decoded;
    }
    if (!decoded.startsWith(prefix)) {
      // Not our rule to make, but git apply (-p1) would strip a component we never saw.
      if (decoded.startsWith("/")) {
        return decoded;
      }
      throw this.error(`the path "${clip(decoded)}" lacks the "${prefix}" prefix git diff prints`);
    }
    return decoded.slice(prefix.length);
  }

  private mode(value: string): string {
    if (!MODE.test(value)) {
      throw this.error(`"${clip(value)}" is not a file mode`);
    }
    return value;
  }

  private rejectCarriageReturn(line: string): void {
    if (line.endsWith("\r")) {
      throw this.error(
        "a header line ends in CR: the diff was converted to CRLF line endings; send it with LF",
      );
    }
  }

  private current(): string {
    return this.lines[this.index] as string;
  }

  private peek(offset: number): string | undefined {
    return this.lines[this.index + offset];
  }

  private error(reason: string): MalformedDiff {
    return new MalformedDiff(this.index + 1, reason);
  }
}

/** `\ No newline at end of file` applies to the line just before it. */
function markNoNewline(hunk: Hunk): void {
  const last = hunk.lines.at(-1);
  if (last?.kind !== "+") {
    hunk.oldNoNewlineAtEnd = true;
  }
  if (last?.kind !== "-") {
    hunk.newNoNewlineAtEnd = true;
  }
}

const EXTENDED_HEADERS = [
  "old mode",
  "new mode",
  "deleted file mode",
  "new file mode",
  "rename from",
  "rename to",
  "copy from",
  "copy to",
  "similarity index",
  "dissimilarity index",
  "index",
];

function splitExtendedHeader(line: string): [string | undefined, string] {
  for (const keyword of EXTENDED_HEADERS) {
    if (line.startsWith(`${keyword} `)) {
      return [keyword, line.slice(keyword.length + 1)];
    }
  }
  return [undefined, line];
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

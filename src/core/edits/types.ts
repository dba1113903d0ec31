/** The formats models write edits in; each parser turns its format into `FileEdit`s. */
export type EditFormat = "unified-diff" | "codex-patch" | "search-replace" | "whole-file";

/** One line of a change block: kept (" "), removed ("-") or added ("+"). */
export type BlockLine = { kind: " " | "-" | "+"; text: string };

/**
 * A change located by its content: the " " and "-" lines are what must be found in the file,
 * the " " and "+" lines what replaces them.
 */
export type ChangeBlock = {
  lines: BlockLine[];
  /** How the block is named in a refusal: `hunk 2`, `SEARCH/REPLACE block 1`. */
  label: string;
  /** Codex's `@@ <line>`: a line that comes somewhere before the block. */
  anchor?: string;
  /** Codex's `*** End of File`: the block ends at the end of the file. */
  atEnd?: boolean;
};

export type FileEdit =
  | {
      kind: "update";
      path: string;
      altPath?: string;
      blocks: ChangeBlock[];
      /** `old mode`/`new mode` lines, passed on for the patch guard to judge. */
      modeChange?: { from: string; to: string };
    }
  | {
      kind: "create";
      path: string;
      content: string[];
      finalNewline: boolean;
      /** `new file mode`, passed on for the patch guard to judge (it refuses symlinks and submodules). */
      mode?: string;
      /** Why creating is wrong when the file already exists (format-specific wording). */
      ifExists: string;
    }
  | { kind: "delete"; path: string; altPath?: string; expected?: string[] }
  | { kind: "whole"; path: string; content: string[] };

export type ParsedEdit =
  | { ok: true; format: EditFormat; edits: FileEdit[] }
  | { ok: false; refusals: Refusal[] };

export type RefusalKind =
  | "format" // nothing readable as an edit
  | "hostile" // NUL bytes, huge lines, paths outside the repository
  | "ambiguous" // context matches more than one place, or no context at all
  | "not-found" // context matches nowhere
  | "elision" // a placeholder stands for existing lines
  | "conflict" // two blocks change the same lines, or a file is both created and edited
  | "missing" // the file to change does not exist
  | "exists" // the file to create already exists
  | "too-large" // a whole-file rewrite of a large file
  | "no-op"; // the edit changes nothing

/** Lines of a file (1-based, inclusive) that a refusal is about: quoted back to the model. */
export type Region = { start: number; end: number };

export type Refusal = { kind: RefusalKind; reason: string; path?: string; regions?: Region[] };

export type FileResult = {
  path: string;
  /** Undefined when the edit creates the file. */
  before: string | undefined;
  /** Undefined when the edit deletes the file. */
  after: string | undefined;
  /** The mode a created file gets, or the mode an edit gives an existing file, when the edit said so. */
  mode?: string;
  /** The existing file's mode, when the edit changes it. */
  oldMode?: string;
};

export type EditResult =
  | { ok: true; format: EditFormat; files: FileResult[]; diff: string; notes: string[] }
  | { ok: false; format?: EditFormat; reasons: string[]; refusals: Refusal[] };

/** A file's current text at the branch tip, or undefined when it does not exist there. */
export type ReadFile = (path: string) => string | undefined;

/**
 * A small reader and in-place editor for the HCL a homelab's Terraform/OpenTofu keeps its facts
 * in: `name = "value"` assignments in `*.tfvars`, `variable "x" { default = … }` blocks and
 * literal attributes such as `datastore_id = "local-lvm"` in `*.tf`. It is not a parser of the
 * whole language: the npm packages that read HCL (hcl2-parser 1.0.3, @cdktf/hcl2json 0.21.0, both
 * HashiCorp's Go parser compiled for JavaScript, checked with `npm view`) turn it into JSON, which
 * cannot be written back with its comments. This walks the text once, keeping track of strings (with `${…}` interpolation), `#`, `//` and
 * `/* *\/` comments, heredocs (`<<EOT` / `<<-EOT`) and braces, which is what it takes to know at
 * which depth and in which block an assignment stands
 * (github.com/hashicorp/hcl spec: hclsyntax/spec.md "Structural Elements", "Template Expressions"
 * heredocs, "Comments and Whitespace"). An edit replaces only the characters of one string
 * literal, so comments, alignment and everything else stay byte for byte.
 */

/** A value as written: a quoted string without interpolation, a `var.x` reference, or anything else. */
export type HclValue =
  | { kind: "string"; text: string; start: number; end: number }
  | { kind: "var"; name: string }
  | { kind: "other"; raw: string };

export interface HclAssignment {
  name: string;
  /** 1-based line of the assignment. */
  line: number;
  /** Brace depth: 0 at the top of the file (a tfvars assignment), 1 inside a block, … */
  depth: number;
  /** Headers of the enclosing blocks, outermost first: `variable "nodes"`, `resource "x" "y"`, `disk`. */
  blocks: string[];
  value: HclValue;
}

export interface HclBlock {
  /** `variable`, `resource`, `provider`, … */
  type: string;
  labels: string[];
  line: number;
  /** The assignments directly inside it (depth one more than the block's). */
  attributes: HclAssignment[];
}

export interface HclFile {
  assignments: HclAssignment[];
  blocks: HclBlock[];
}

const IDENT = /[A-Za-z_][\w-]*/y;
const SPACE = /[ \t]*/y;

/** Reads `text` once; never throws: what it cannot read it leaves out. */
export function readHcl(text: string): HclFile {
  const assignments: HclAssignment[] = [];
  const blocks: HclBlock[] = [];
  /** The open braces: a block's header, or "" for an object or other brace. */
  const open: { header: string; block: HclBlock | undefined }[] = [];
  let heredoc: string | undefined;
  let lineStart = 0;
  let lineNumber = 0;
  let inBlockComment = false;
  while (lineStart <= text.length) {
    lineNumber += 1;
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    if (heredoc !== undefined) {
      if (line.trim() === heredoc) {
        heredoc = undefined;
      }
    } else {
      const scanned = scanLine(line, inBlockComment);
      inBlockComment = scanned.inBlockComment;
      if (!scanned.startsInComment) {
        const assignment = readAssignment(line, lineStart);
        const headers = () => open.map((brace) => brace.header).filter((header) => header !== "");
        const add = (found: { name: string; value: HclValue }, depth: number, within: string[]) => {
          const record: HclAssignment = {
            name: found.name,
            value: found.value,
            line: lineNumber,
            depth,
            blocks: within,
          };
          assignments.push(record);
          return record;
        };
        if (assignment) {
          const record = add(assignment, open.length, headers());
          open.at(-1)?.block?.attributes.push(record);
          // `cp1 = { ip = "192.168.1.21", datastore = "local-lvm" }`: the pairs of a one-line object.
          for (const pair of inlinePairs(line, assignment.valueAt, lineStart)) {
            add(pair, open.length + pair.path.length, [...headers(), assignment.name, ...pair.path.slice(1)]);
          }
        }
        const header = assignment ? undefined : blockHeader(line);
        for (const [index, brace] of scanned.braces.entries()) {
          if (brace === "}") {
            open.pop();
          } else if (header && index === 0) {
            const block: HclBlock = {
              type: header.type,
              labels: header.labels,
              line: lineNumber,
              attributes: [],
            };
            blocks.push(block);
            open.push({ header: [header.type, ...header.labels.map((l) => `"${l}"`)].join(" "), block });
            // A block on one line (`variable "x" { default = 1 }`): its first attribute is on this line.
            const inline = readAssignment(line.slice(header.bodyAt), lineStart + header.bodyAt);
            if (inline) {
              block.attributes.push(add(inline, open.length, headers()));
            }
          } else {
            open.push({ header: assignment && index === 0 ? assignment.name : "", block: undefined });
          }
        }
      }
      heredoc = scanned.heredoc;
    }
    if (newline < 0) {
      break;
    }
    lineStart = newline + 1;
  }
  return { assignments, blocks };
}

/** The braces of one line outside strings and comments, and a heredoc it opens. */
function scanLine(
  line: string,
  inComment: boolean,
): { braces: string[]; heredoc: string | undefined; inBlockComment: boolean; startsInComment: boolean } {
  const braces: string[] = [];
  let heredoc: string | undefined;
  let at = 0;
  let comment = inComment;
  const startsInComment = inComment && !line.includes("*/");
  while (at < line.length) {
    const char = line[at] as string;
    if (comment) {
      const close = line.indexOf("*/", at);
      if (close < 0) {
        return { braces, heredoc, inBlockComment: true, startsInComment };
      }
      comment = false;
      at = close + 2;
      continue;
    }
    if (char === "#" || (char === "/" && line[at + 1] === "/")) {
      break;
    }
    if (char === "/" && line[at + 1] === "*") {
      comment = true;
      at += 2;
      continue;
    }
    if (char === '"') {
      at = endOfString(line, at);
      continue;
    }
    if (char === "<" && line[at + 1] === "<") {
      const marker = /^<<-?([A-Za-z_]\w*)\s*$/.exec(line.slice(at));
      if (marker) {
        heredoc = marker[1];
        break;
      }
    }
    if (char === "{" || char === "}") {
      braces.push(char);
    }
    at += 1;
  }
  return { braces, heredoc, inBlockComment: comment, startsInComment };
}

/** The index just past the string literal that opens at `start` (escapes and `${…}` followed). */
function endOfString(line: string, start: number): number {
  let at = start + 1;
  let interpolation = 0;
  while (at < line.length) {
    const char = line[at];
    if (char === "\\") {
      at += 2;
      continue;
    }
    if (interpolation === 0 && (char === "$" || char === "%") && line[at + 1] === "{") {
      interpolation = 1;
      at += 2;
      continue;
    }
    if (interpolation > 0) {
      if (char === "{") {
        interpolation += 1;
      } else if (char === "}") {
        interpolation -= 1;
      } else if (char === '"') {
        at = endOfString(line, at);
        continue;
      }
      at += 1;
      continue;
    }
    if (char === '"') {
      return at + 1;
    }
    at += 1;
  }
  return line.length;
}

/** `name = value` at the start of a line (not `==`), with the value read when it is simple. */
function readAssignment(
  line: string,
  offset: number,
): (Omit<HclAssignment, "line" | "depth" | "blocks"> & { valueAt: number }) | undefined {
  SPACE.lastIndex = 0;
  SPACE.exec(line);
  IDENT.lastIndex = SPACE.lastIndex;
  const name = IDENT.exec(line)?.[0];
  if (name === undefined) {
    return undefined;
  }
  const rest = /^[ \t]*=(?!=)[ \t]*/.exec(line.slice(IDENT.lastIndex));
  if (!rest) {
    return undefined;
  }
  const valueAt = IDENT.lastIndex + rest[0].length;
  return { name, value: readValue(line, valueAt, offset), valueAt };
}

/**
 * The `key = "value"` pairs of the objects that open and close on this line from `from` on, each
 * with the keys of the objects around it (`path[0]` is "", the outermost object).
 */
function inlinePairs(
  line: string,
  from: number,
  offset: number,
): { name: string; value: HclValue; path: string[] }[] {
  const pairs: { name: string; value: HclValue; path: string[] }[] = [];
  const path: string[] = [];
  let pending = "";
  let previous = "";
  let at = from;
  while (at < line.length) {
    const char = line[at] as string;
    if (char === "#" || (char === "/" && (line[at + 1] === "/" || line[at + 1] === "*"))) {
      break;
    }
    if (char === '"') {
      at = endOfString(line, at);
      previous = '"';
      continue;
    }
    if (char === "{") {
      path.push(pending);
      pending = "";
    } else if (char === "}") {
      path.pop();
    } else if (path.length > 0 && (previous === "{" || previous === ",") && /[A-Za-z_]/.test(char)) {
      const key = /^([A-Za-z_][\w-]*)[ \t]*=(?!=)[ \t]*/.exec(line.slice(at));
      if (key) {
        const name = key[1] as string;
        const valueAt = at + key[0].length;
        if (line[valueAt] === '"') {
          const end = endOfString(line, valueAt);
          const literal = line.slice(valueAt, end);
          const next = line.slice(end).trimStart()[0];
          if (literal.endsWith('"') && !/\$\{|%\{/.test(literal) && (next === "," || next === "}")) {
            pairs.push({
              name,
              value: { kind: "string", text: unquote(literal), start: offset + valueAt, end: offset + end },
              path: [...path],
            });
          }
          at = end;
          previous = '"';
          continue;
        }
        pending = name;
        at = valueAt;
        previous = "=";
        continue;
      }
    }
    if (!/\s/.test(char)) {
      previous = char;
    }
    at += 1;
  }
  return pairs;
}

function readValue(line: string, at: number, offset: number): HclValue {
  const tail = line.slice(at);
  if (tail.startsWith('"')) {
    const end = endOfString(line, at);
    const literal = line.slice(at, end);
    const after = line.slice(end).trim();
    const simple =
      literal.length >= 2 &&
      literal.endsWith('"') &&
      !/\$\{|%\{/.test(literal) &&
      (after === "" || after.startsWith("#") || after.startsWith("//") || after === ",");
    if (simple) {
      return { kind: "string", text: unquote(literal), start: offset + at, end: offset + end };
    }
  }
  const reference = /^var\.([A-Za-z_][\w-]*)\s*(?:$|#|\/\/|,)/.exec(tail);
  if (reference) {
    return { kind: "var", name: reference[1] as string };
  }
  return { kind: "other", raw: tail.trim() };
}

function unquote(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal.slice(1, -1);
  }
}

/** `type "label" "label" {` or `type {` (a nested block such as `disk {`). */
function blockHeader(line: string): { type: string; labels: string[]; bodyAt: number } | undefined {
  const match = /^\s*([A-Za-z_][\w-]*)((?:\s+"[^"]*"|\s+[A-Za-z_][\w-]*)*)\s*\{/.exec(line);
  if (!match) {
    return undefined;
  }
  const labels = [...(match[2] ?? "").matchAll(/"([^"]*)"|([A-Za-z_][\w-]*)/g)].map(
    (label) => (label[1] ?? label[2]) as string,
  );
  return { type: match[1] as string, labels, bodyAt: match[0].length };
}

/** A string literal as HCL writes it (the same escapes as JSON for what a fact can hold). */
export function hclString(value: string): string {
  return JSON.stringify(value).replaceAll("${", "$${").replaceAll("%{", "%%{");
}

/** `text` with one string literal (as `readHcl` located it) replaced by `value`. */
export function replaceString(
  text: string,
  value: Extract<HclValue, { kind: "string" }>,
  replacement: string,
): string {
  return `${text.slice(0, value.start)}${hclString(replacement)}${text.slice(value.end)}`;
}

import { SECRET_KEY } from "./detectors.ts";
import { redactLineRules } from "./line-rules.ts";

/** Gives a secret its placeholder (the Redactor's, so placeholders stay stable across calls). */
export type PlaceholderFor = (secret: string, kind: string) => string;

/** A line (or a piece of an over-long line) and what follows it: a newline, or nothing for a piece. */
export interface Piece {
  text: string;
  sep: string;
}

const PEM_BEGIN =
  /-----BEGIN (?:[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?|CERTIFICATE|TRUSTED CERTIFICATE|CERTIFICATE REQUEST)-----[ \t\r]*$/;
const PEM_BODY = /^[ \t]*(?:[A-Za-z0-9+/=]*|[A-Za-z-]{1,32}:[^\n]{0,200})[ \t\r]*$/;
const PEM_END = "-----END ";
const BASE64_LINE = /^[ \t]*[A-Za-z0-9+/=]{16,}[ \t\r]*$/;
/** A YAML key whose value follows on the next lines: `password:`, `password: |`, `stringData:`. */
const BLOCK_KEY = new RegExp(
  `^(?<indent>[ \\t]*(?:- )?)(?<q>["']?)(?<key>${SECRET_KEY}|stringData|data|\\.dockerconfigjson)\\k<q>[ \\t]*:[ \\t]*(?:[|>][-+0-9]{0,3})?[ \\t\\r]*$`,
  "i",
);
/** Cheap first look: every key BLOCK_KEY accepts holds one of these. */
const BLOCK_KEY_HINT = /pass|pw|secret|token|key|cred|auth|psk|data|docker/i;
const CHILD_KEY =
  /^(?<key>[ \t]*(?:- )?["']?[A-Za-z0-9_.-]{1,128}["']?[ \t]*:)(?<gap>[ \t]*)(?<value>[^\n]*)$/;
const BLOCK_INDICATOR = /^[|>][-+0-9]{0,3}[ \t\r]*$/;
const SECRET_KIND_LINE = /^[ \t]*kind:[ \t]*["']?Secret["']?[ \t\r]*$/;
const PVE_VALUE_LINE = /^(?<pre>[ \t]*["']?value["']?[ \t]*:[ \t]*["']?)(?<value>[^\s"',]+)/;
const MAX_PEM_BODY_LINES = 10_000;
/** A private key's tail is tens of lines; more base64 than this in a row is data, not a key. */
const MAX_PENDING_LINES = 200;

function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === " " || line[i] === "\t")) {
    i++;
  }
  return i;
}

/**
 * The part of redaction that needs more than one line: PEM blocks (whole, or cut in half by a log
 * tail), YAML values on the lines after their key (`password:` then the value, block scalars,
 * everything under `stringData:` or a Secret's `data:`), and the token value `pveum` and `pvesh`
 * print a few lines after `full-tokenid`. It looks at each line once and keeps at most a bounded
 * number of lines back, so its cost is linear in the text.
 */
export class LineStructure {
  readonly #placeholder: PlaceholderFor;
  readonly #emit: (piece: Piece) => void;
  #pem: { begin: string; body: string[] } | undefined;
  #block: { indent: number; kind: string; keepKeys: boolean } | undefined;
  /** Base64 lines that may turn out to be the tail of a private key whose BEGIN was cut off. */
  #pending: Piece[] = [];
  #inSecretDocument = false;
  #pveLinesLeft = 0;

  constructor(placeholder: PlaceholderFor, emit: (piece: Piece) => void) {
    this.#placeholder = placeholder;
    this.#emit = emit;
  }

  push(given: Piece): void {
    let piece = given;
    // In a unified diff, judge each line without its +, - or space, and put it back on the way out.
    this.#marker = "";
    const first = piece.text[0];
    if (piece.text.startsWith("@@ ")) {
      this.#inDiff = true;
    } else if (this.#inDiff) {
      if ((first === "+" || first === "-" || first === " ") && !/^(?:\+\+\+|---) [ab]\//.test(piece.text)) {
        this.#marker = first;
        piece = { text: piece.text.slice(1), sep: piece.sep };
      } else if (first !== "\\") {
        this.#inDiff = false;
      }
    }
    this.#judge(piece);
  }

  #marker = "";
  #inDiff = false;

  #out(piece: Piece): void {
    this.#emit(this.#marker === "" ? piece : { text: `${this.#marker}${piece.text}`, sep: piece.sep });
  }

  #judge(piece: Piece): void {
    if (this.#pem) {
      this.#inPem(piece, this.#pem);
      return;
    }
    if (this.#block) {
      const trimmed = piece.text.trim();
      if (trimmed === "" || indentOf(piece.text) > this.#block.indent) {
        this.#out({ text: this.#redactBlockLine(piece.text, this.#block), sep: piece.sep });
        return;
      }
      this.#block = undefined;
    }
    this.#normal(piece);
  }

  /** Call once at the end: whatever is held back goes out. */
  end(): void {
    if (this.#pem) {
      this.#closePem(this.#pem, "", "");
    }
    this.#flushPending();
  }

  #normal(piece: Piece): void {
    const { text } = piece;
    if (PEM_BEGIN.test(text)) {
      this.#flushPending();
      this.#pem = { begin: `${this.#marker}${text.trimEnd()}`, body: [] };
      this.#pemSep = piece.sep;
      return;
    }
    const end = text.indexOf(PEM_END);
    if (end !== -1 && this.#pending.length > 0 && text.includes("PRIVATE KEY-----", end)) {
      const body = this.#pending.map((p) => p.text).join("\n");
      this.#pending = [];
      this.#out({ text: `${this.#placeholder(body, "private-key")}${text.slice(end)}`, sep: piece.sep });
      return;
    }
    if (piece.sep === "\n" && BASE64_LINE.test(text)) {
      this.#pending.push({ text: `${this.#marker}${text}`, sep: piece.sep });
      if (this.#pending.length > MAX_PENDING_LINES) {
        this.#flushPending();
      }
      return;
    }
    this.#flushPending();
    this.#out({ text: this.#structureOf(text), sep: piece.sep });
  }

  #pemSep = "\n";

  #inPem(piece: Piece, pem: { begin: string; body: string[] }): void {
    const end = piece.text.indexOf(PEM_END);
    if (end !== -1) {
      pem.body.push(piece.text.slice(0, end));
      this.#closePem(pem, piece.text.slice(end), piece.sep);
      return;
    }
    if (PEM_BODY.test(piece.text) && pem.body.length < MAX_PEM_BODY_LINES) {
      pem.body.push(piece.text);
      return;
    }
    // The block was cut (an output cap, a log tail): hide what came, then read this line as usual.
    this.#closePem(pem, "", this.#pemSep);
    this.#judge(piece);
  }

  #closePem(pem: { begin: string; body: string[] }, endText: string, sep: string): void {
    this.#pem = undefined;
    const body = pem.body.join("\n");
    const kind = pem.begin.includes("PRIVATE") ? "private-key" : "certificate";
    const hidden = body.trim() === "" ? "" : this.#placeholder(body, kind);
    this.#emit({ text: `${pem.begin}${hidden}${endText}`, sep });
  }

  #flushPending(): void {
    for (const piece of this.#pending) {
      this.#emit(piece);
    }
    this.#pending = [];
  }

  /** Notes what a line opens (a secret block, a Secret document, a pve token listing); returns the line, redacted where it must be. */
  #structureOf(text: string): string {
    if (text.startsWith("---")) {
      this.#inSecretDocument = false;
    }
    if (SECRET_KIND_LINE.test(text)) {
      this.#inSecretDocument = true;
    }
    if (text.includes("full-tokenid")) {
      this.#pveLinesLeft = 10;
    } else if (this.#pveLinesLeft > 0) {
      this.#pveLinesLeft--;
      const value = PVE_VALUE_LINE.exec(text);
      if (value?.groups?.["value"]) {
        const pre = value.groups["pre"] ?? "";
        const secret = value.groups["value"];
        return `${pre}${this.#placeholder(secret, "pve-token")}${text.slice(pre.length + secret.length)}`;
      }
    }
    const redacted = redactLineRules(text, this.#placeholder);
    const last = text.trimEnd().at(-1) ?? "";
    if (last === ":" || last === "|" || last === ">" || last === "-" || last === "+" || /\d/.test(last)) {
      const block = BLOCK_KEY_HINT.test(text) ? BLOCK_KEY.exec(text) : null;
      const key = block?.groups?.["key"]?.toLowerCase();
      if (block && key && (key !== "data" || this.#inSecretDocument)) {
        const indent = (block.groups?.["indent"] ?? "").length;
        // Under stringData/data every child is a secret value; under a secret key every line is the secret.
        const keepKeys = key === "stringdata" || key === "data" || key === ".dockerconfigjson";
        this.#block = { indent, kind: /pass|pwd/.test(key) ? "password" : "secret", keepKeys };
      }
    }
    return redacted;
  }

  /** A line inside a secret block: keep a child's key, hide its value; hide a plain line whole. */
  #redactBlockLine(text: string, block: { kind: string; keepKeys: boolean }): string {
    const { kind } = block;
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("[REDACTED:")) {
      return text;
    }
    const child = block.keepKeys ? CHILD_KEY.exec(text) : null;
    if (child?.groups) {
      const value = (child.groups["value"] ?? "").trimEnd();
      if (value === "" || BLOCK_INDICATOR.test(value) || value.includes("[REDACTED:")) {
        return text;
      }
      return `${child.groups["key"]}${child.groups["gap"]}${this.#placeholder(value, kind)}`;
    }
    const indent = text.slice(0, indentOf(text));
    return `${indent}${this.#placeholder(trimmed, kind)}`;
  }
}

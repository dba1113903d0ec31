import { DETECTORS, type Detector } from "./detectors.ts";
import { KnownValueMatcher, secretForms } from "./known-values.ts";
import { LineStructure, type Piece } from "./line-structure.ts";

export interface RedactionFinding {
  kind: string;
  placeholder: string;
}

/**
 * Lines longer than this are cut into pieces (at white space near the cut when there is some):
 * no pattern ever sees more than one bounded piece of a line, whatever the input.
 */
export const MAX_LINE_LENGTH = 8192;
/** The patterns run over whole lines gathered into chunks of about this many characters. */
const CHUNK_LENGTH = 64 * 1024;
const PLACEHOLDER_START = "[REDACTED:";

/**
 * Scrubs secrets from text before it leaves the machine. The same secret always gets the
 * same placeholder (`[REDACTED:pve-token#1]`) for the life of one Redactor, so a model can
 * still see that two lines mention the same token without seeing it.
 *
 * Three passes, each linear in the text: known secret values in all their encodings (one
 * Aho–Corasick scan), then the structure that spans lines (PEM blocks, YAML blocks), then the
 * shape patterns over bounded chunks of whole lines.
 */
export class Redactor {
  readonly #placeholders = new Map<string, string>();
  readonly #countByKind = new Map<string, number>();
  readonly #findings: RedactionFinding[] = [];
  readonly #known: KnownValueMatcher;

  constructor(opts?: { knownSecrets?: readonly string[] }) {
    const forms = new Set<string>();
    for (const secret of opts?.knownSecrets ?? []) {
      for (const form of secretForms(secret)) {
        forms.add(form);
      }
    }
    this.#known = new KnownValueMatcher([...forms]);
  }

  get findings(): ReadonlyArray<RedactionFinding> {
    return this.#findings;
  }

  redact(text: string): string {
    const masked = this.#maskKnown(text);
    const out: string[] = [];
    let chunk: string[] = [];
    let chunkLength = 0;
    const flush = () => {
      if (chunk.length > 0) {
        out.push(this.#applyDetectors(chunk.join("")));
        chunk = [];
        chunkLength = 0;
      }
    };
    const structure = new LineStructure(
      (secret, kind) => this.#placeholderFor(secret, kind),
      (piece: Piece) => {
        chunk.push(piece.text, piece.sep);
        chunkLength += piece.text.length + 1;
        if (chunkLength >= CHUNK_LENGTH) {
          flush();
        }
      },
    );
    let start = 0;
    while (start <= masked.length) {
      let end = masked.indexOf("\n", start);
      const last = end === -1;
      if (last) {
        end = masked.length;
      }
      const sep = last ? "" : "\n";
      if (end - start <= MAX_LINE_LENGTH) {
        structure.push({ text: masked.slice(start, end), sep });
      } else {
        for (const piece of piecesOf(masked.slice(start, end), sep)) {
          structure.push(piece);
        }
      }
      start = end + 1;
    }
    structure.end();
    flush();
    return out.join("");
  }

  #maskKnown(text: string): string {
    const matches = this.#known.find(text);
    if (matches.length === 0) {
      return text;
    }
    const parts: string[] = [];
    let last = 0;
    for (const match of matches) {
      const form = this.#known.patterns[match.pattern] as string;
      parts.push(text.slice(last, match.start), this.#placeholderFor(form, "known-secret"));
      last = match.end;
    }
    parts.push(text.slice(last));
    return parts.join("");
  }

  #applyDetectors(chunk: string): string {
    let result = chunk;
    for (const detector of DETECTORS) {
      const hint = detector.hint;
      if (hint !== undefined && !(typeof hint === "string" ? result.includes(hint) : hint.test(result))) {
        continue;
      }
      result = this.#applyDetector(result, detector);
    }
    return result;
  }

  /** One left-to-right scan: find a context, read its secret, replace it, continue after it. */
  #applyDetector(text: string, detector: Detector): string {
    const pattern = detector.pattern;
    pattern.lastIndex = 0;
    const parts: string[] = [];
    let copied = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      if (match[0].length === 0) {
        pattern.lastIndex++;
        continue;
      }
      if (detector.tokenStart && !atTokenStart(text, match.index)) {
        continue;
      }
      const groups: Record<string, string | undefined> = match.groups ?? {};
      const contextEnd = match.index + match[0].length;
      let start: number;
      let end: number;
      if (detector.value) {
        const span = detector.value(text, contextEnd, groups, match.index);
        if (!span) {
          continue;
        }
        ({ start, end } = span);
      } else {
        const secret = groups["secret"] ?? "";
        start = match.index + (groups["pre"] ?? "").length;
        end = start + secret.length;
      }
      if (start < copied) {
        continue;
      }
      // A placeholder inside the value: only what comes before it can be a new secret. Text
      // running straight into a placeholder is that secret's context (`PVEAPIToken=u@pam!id=[...]`).
      const inside = text.slice(start, end).indexOf(PLACEHOLDER_START);
      const placeholderAt = inside === -1 ? -1 : start + inside;
      if (placeholderAt !== -1) {
        end = placeholderAt;
        while (end > start && /[ \t]/.test(text[end - 1] ?? "")) {
          end--;
        }
        if (end === placeholderAt) {
          pattern.lastIndex = Math.max(pattern.lastIndex, placeholderAt + PLACEHOLDER_START.length);
          continue;
        }
      } else if (text.startsWith(PLACEHOLDER_START, end)) {
        continue;
      }
      const secret = text.slice(start, end);
      if (!secret || (detector.accept && !detector.accept(secret))) {
        pattern.lastIndex = Math.max(pattern.lastIndex, end);
        continue;
      }
      const kind = typeof detector.kind === "function" ? detector.kind(groups) : detector.kind;
      parts.push(text.slice(copied, start), this.#placeholderFor(secret, kind));
      copied = end;
      pattern.lastIndex = Math.max(pattern.lastIndex, end);
    }
    if (copied === 0) {
      return text;
    }
    parts.push(text.slice(copied));
    return parts.join("");
  }

  #placeholderFor(secret: string, kind: string): string {
    const known = this.#placeholders.get(secret);
    if (known) {
      return known;
    }
    const n = (this.#countByKind.get(kind) ?? 0) + 1;
    this.#countByKind.set(kind, n);
    const placeholder = `[REDACTED:${kind}#${n}]`;
    this.#placeholders.set(secret, placeholder);
    this.#findings.push({ kind, placeholder });
    return placeholder;
  }
}

/** After white space, at the start, or after a diff's + or - at the start of a line. */
function atTokenStart(text: string, index: number): boolean {
  const before = text[index - 1];
  if (before === undefined || before === " " || before === "\t" || before === "\n" || before === "\r") {
    return true;
  }
  return (before === "+" || before === "-") && (index < 2 || text[index - 2] === "\n");
}

/** A line as pieces of at most MAX_LINE_LENGTH, cut after white space near the limit when there is some. */
function piecesOf(line: string, sep: string): Piece[] {
  if (line.length <= MAX_LINE_LENGTH) {
    return [{ text: line, sep }];
  }
  const pieces: Piece[] = [];
  let start = 0;
  while (line.length - start > MAX_LINE_LENGTH) {
    let cut = start + MAX_LINE_LENGTH;
    // Look back at most 512 characters for a space, so a line with none costs one pass.
    const space = line.slice(cut - 512, cut).lastIndexOf(" ");
    if (space !== -1) {
      cut = cut - 512 + space + 1;
    }
    pieces.push({ text: line.slice(start, cut), sep: "" });
    start = cut;
  }
  pieces.push({ text: line.slice(start), sep });
  return pieces;
}

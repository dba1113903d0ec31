/**
 * Finds a block's old lines in a file by content, never by line numbers. The cascade (exact,
 * then trailing whitespace ignored, then indentation ignored, then Unicode punctuation folded)
 * follows Codex's `seek_sequence` (openai/codex@71163530 codex-rs/apply-patch/src/seek_sequence.rs:12),
 * with one difference: Codex takes the first match, we take a match only when it is the only
 * one at the strictest level that finds any, and otherwise report every match.
 */
export type MatchLevel = "exact" | "trailing-whitespace" | "indentation" | "punctuation";

export type Location =
  | { found: "one"; start: number; level: MatchLevel }
  | { found: "many"; starts: number[]; level: MatchLevel }
  | { found: "none" };

// Codex's table (seek_sequence.rs `normalise`): dashes, quotes and odd spaces to ASCII.
const PUNCTUATION: Record<string, string> = {
  "\u2010": "-",
  "\u2011": "-",
  "\u2012": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u2015": "-",
  "\u2212": "-",
  "\u2018": "'",
  "\u2019": "'",
  "\u201a": "'",
  "\u201b": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u201e": '"',
  "\u201f": '"',
  "\u00a0": " ",
  "\u2002": " ",
  "\u2003": " ",
  "\u2004": " ",
  "\u2005": " ",
  "\u2006": " ",
  "\u2007": " ",
  "\u2008": " ",
  "\u2009": " ",
  "\u200a": " ",
  "\u202f": " ",
  "\u205f": " ",
  "\u3000": " ",
  "\u2026": "...",
};
const PUNCTUATION_CLASS = `[${Object.keys(PUNCTUATION).join("")}]`;
const PUNCTUATION_PATTERN = new RegExp(PUNCTUATION_CLASS, "g");
const TYPOGRAPHIC = new RegExp(PUNCTUATION_CLASS);

export function foldPunctuation(text: string): string {
  return text.replace(PUNCTUATION_PATTERN, (char) => PUNCTUATION[char] ?? char);
}

export function hasTypographicPunctuation(text: string): boolean {
  return TYPOGRAPHIC.test(text);
}

const LEVELS: { level: MatchLevel; key: (line: string) => string; ignoresIndentation: boolean }[] = [
  { level: "exact", key: (line) => line, ignoresIndentation: false },
  { level: "trailing-whitespace", key: (line) => line.trimEnd(), ignoresIndentation: false },
  { level: "indentation", key: (line) => line.trim(), ignoresIndentation: true },
  { level: "punctuation", key: (line) => foldPunctuation(line).trim(), ignoresIndentation: true },
];

const indentOf = (line: string) => /^[ \t]*/.exec(line)?.[0] ?? "";

/**
 * Indentation may differ, structure may not: each indentation the edit uses stands for one
 * indentation of the file and the other way round. Otherwise re-indenting would move lines to
 * another nesting level, which in YAML is another meaning (Aider likewise insists on one offset,
 * `match_but_for_leading_whitespace`, editblock_coder.py).
 */
function sameStructure(file: readonly string[], pattern: readonly string[], start: number): boolean {
  const forward = new Map<string, string>();
  const backward = new Map<string, string>();
  for (let offset = 0; offset < pattern.length; offset++) {
    const edit = pattern[offset] as string;
    const have = file[start + offset] as string;
    if (edit.trim() === "" || have.trim() === "") {
      continue;
    }
    const [from, to] = [indentOf(edit), indentOf(have)];
    if ((forward.get(from) ?? to) !== to || (backward.get(to) ?? from) !== from) {
      return false;
    }
    forward.set(from, to);
    backward.set(to, from);
  }
  return true;
}

/**
 * Every start where `pattern` matches, at the strictest level that matches anywhere. `keep`
 * narrows the candidates (Codex's anchor and end-of-file rules) before uniqueness is judged.
 */
export function locate(
  file: readonly string[],
  pattern: readonly string[],
  keep: (starts: number[]) => number[] = (starts) => starts,
): Location {
  for (const { level, key, ignoresIndentation } of LEVELS) {
    const fileKeys = file.map(key);
    const patternKeys = pattern.map(key);
    const found = findAll(fileKeys, patternKeys);
    const starts = keep(
      ignoresIndentation ? found.filter((start) => sameStructure(file, pattern, start)) : found,
    );
    if (starts.length === 1) {
      return { found: "one", start: starts[0] as number, level };
    }
    if (starts.length > 1) {
      return { found: "many", starts, level };
    }
  }
  return { found: "none" };
}

function findAll(file: readonly string[], pattern: readonly string[]): number[] {
  const starts: number[] = [];
  for (let start = 0; start + pattern.length <= file.length; start++) {
    let matches = true;
    for (let offset = 0; offset < pattern.length; offset++) {
      if (file[start + offset] !== pattern[offset]) {
        matches = false;
        break;
      }
    }
    if (matches) {
      starts.push(start);
    }
  }
  return starts;
}

/** Lines equal to `line` at the loosest level, for anchors (Codex's `@@ <context>`). */
export function linesLike(file: readonly string[], line: string): number[] {
  const wanted = foldPunctuation(line).trim();
  return file.flatMap((candidate, index) => (foldPunctuation(candidate).trim() === wanted ? [index] : []));
}

/**
 * The window of the file most like `pattern`, for a refusal that quotes "the closest lines"
 * (Aider does the same with `find_similar_lines`, Aider-AI/aider@5dc9490b aider/coders/editblock_coder.py:602). Scores each window by
 * the summed bigram similarity of its lines.
 */
export function closestWindow(file: readonly string[], pattern: readonly string[]): number | undefined {
  const wanted = pattern.map((line) => foldPunctuation(line).trim());
  const have = file.map((line) => foldPunctuation(line).trim());
  const length = Math.min(wanted.length, have.length);
  if (length === 0 || have.length * wanted.length > 400_000) {
    return undefined;
  }
  const wantedGrams = wanted.map(bigrams);
  const haveGrams = have.map(bigrams);
  let best: number | undefined;
  let bestScore = 0;
  for (let start = 0; start + length <= have.length; start++) {
    let score = 0;
    for (let offset = 0; offset < length; offset++) {
      score += similarity(
        haveGrams[start + offset] as Map<string, number>,
        wantedGrams[offset] as Map<string, number>,
      );
    }
    if (score > bestScore) {
      bestScore = score;
      best = start;
    }
  }
  return bestScore / length >= 0.3 ? best : undefined;
}

function bigrams(text: string): Map<string, number> {
  const grams = new Map<string, number>();
  for (let index = 0; index + 2 <= text.length; index++) {
    const gram = text.slice(index, index + 2);
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

function similarity(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  let shared = 0;
  for (const [gram, count] of a) {
    total += count;
    shared += Math.min(count, b.get(gram) ?? 0);
  }
  for (const count of b.values()) {
    total += count;
  }
  return total === 0 ? 1 : (2 * shared) / total;
}

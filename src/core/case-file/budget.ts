/**
 * Token arithmetic and trimming. Tokens are estimated as characters / 4 (rounded up): OpenAI's
 * tokenisers average about four characters of English or code per token, the estimate needs no
 * tokeniser table, and the budget keeps a margin so being off by a tenth does no harm.
 */
export const DEFAULT_TOKEN_BUDGET = 24_000;
const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function charsFor(tokens: number): number {
  return Math.max(0, Math.floor(tokens * CHARS_PER_TOKEN));
}

export interface Trimmed {
  text: string;
  /** Lines cut, as 1-based inclusive ranges of the original, empty when nothing was cut. */
  cut: { from: number; to: number }[];
}

/** Keeps the last lines that fit in `maxChars`, saying at the top how many were cut. */
export function keepTail(text: string, maxChars: number): Trimmed {
  if (text.length <= maxChars) {
    return { text, cut: [] };
  }
  const lines = text.split("\n");
  let used = 0;
  let first = lines.length;
  while (first > 0) {
    const next = (lines[first - 1] ?? "").length + 1;
    if (used + next > maxChars) {
      break;
    }
    used += next;
    first -= 1;
  }
  if (first === 0) {
    return { text, cut: [] };
  }
  const kept = lines.slice(first);
  return {
    text: [`[... first ${first} line(s) left out to fit the token budget ...]`, ...kept].join("\n"),
    cut: [{ from: 1, to: first }],
  };
}

/** Keeps the head (about 60 %) and the tail (about 40 %) of a text, marking the cut in between. */
export function keepHeadAndTail(text: string, maxChars: number): Trimmed {
  if (text.length <= maxChars) {
    return { text, cut: [] };
  }
  const lines = text.split("\n");
  const headBudget = Math.floor(maxChars * 0.6);
  const tailBudget = maxChars - headBudget;
  let head = 0;
  let used = 0;
  while (head < lines.length && used + (lines[head] ?? "").length + 1 <= headBudget) {
    used += (lines[head] ?? "").length + 1;
    head += 1;
  }
  let tailStart = lines.length;
  used = 0;
  while (tailStart > head && used + (lines[tailStart - 1] ?? "").length + 1 <= tailBudget) {
    used += (lines[tailStart - 1] ?? "").length + 1;
    tailStart -= 1;
  }
  if (head === 0 && tailStart === lines.length) {
    // One enormous line (minified JSON, a certificate): cut by characters instead.
    const keep = Math.max(0, maxChars - 60);
    const front = text.slice(0, Math.floor(keep * 0.6));
    const back = text.slice(text.length - (keep - front.length));
    return {
      text: `${front}\n[... ${text.length - front.length - back.length} characters cut ...]\n${back}`,
      cut: [{ from: 1, to: lines.length }],
    };
  }
  const cutCount = tailStart - head;
  return {
    text: [
      ...lines.slice(0, head),
      `[... ${cutCount} line(s) cut (lines ${head + 1}-${tailStart}) to fit the token budget ...]`,
      ...lines.slice(tailStart),
    ].join("\n"),
    cut: [{ from: head + 1, to: tailStart }],
  };
}

/** A fence longer than any run of backticks inside, so content cannot close it early. */
export function fence(content: string, language = ""): string {
  let longest = 2;
  for (const match of content.matchAll(/`+/g)) {
    longest = Math.max(longest, match[0].length);
  }
  const marks = "`".repeat(longest + 1);
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `${marks}${language}\n${body}${marks}`;
}

const LANGUAGES: Record<string, string> = {
  yaml: "yaml",
  yml: "yaml",
  json: "json",
  sh: "sh",
  bash: "sh",
  md: "markdown",
  ts: "ts",
  js: "js",
  tf: "hcl",
  hcl: "hcl",
  toml: "toml",
  py: "python",
};

export function languageOf(path: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? "";
  return LANGUAGES[extension] ?? "";
}

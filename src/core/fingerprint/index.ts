/**
 * Error fingerprints of a log tail. Pure: the caller reads the tail and
 * persists the miner's state.
 *
 * The `template` hash is computed from the deterministic masking alone, never from what the
 * miner has learned: a hash that depended on learned wildcards would change for the same error
 * when a template widens, and attempt 1's error would turn "new" on attempt 2. The miner still
 * learns the chosen lines, so its groups (shown by `--explain`) grow with the repo's history.
 */
import { shortHash } from "./hash.ts";
import type { TemplateMiner } from "./miner.ts";
import { cleanLogLines, TAIL_LINES } from "./noise.ts";
import { chooseErrorLines } from "./select.ts";

export { shortHash } from "./hash.ts";
export { WILDCARD } from "./mask.ts";
export { MaskedLine, maskMessage, maskTokens } from "./masked-line.ts";
export { MinerState, type TemplateMatch, TemplateMiner } from "./miner.ts";
export { cleanLine, cleanLogLines, MAX_LINE_CHARS, TAIL_LINES } from "./noise.ts";
export { type ChosenLine, chooseErrorLines, MAX_CHOSEN_LINES } from "./select.ts";

export interface ErrorFingerprint {
  /** Hash (16 hex chars) of the chosen lines' normalised text. */
  exact: string;
  /** Hash (16 hex chars) of the chosen lines' templates: the one the loop counts attempts by. */
  template: string;
  /** The chosen error-carrying lines, noise stripped. */
  lines: string[];
  /** Their templates, variables as `<*>`. */
  templates: string[];
}

/** A tail longer than this is cut from the front before any work (a log of one gigantic line). */
const MAX_TAIL_CHARS = 1024 * 1024;

/** The fingerprint of a tail with nothing in it; a fixed value so "no output" is one error, not many. */
export const EMPTY_FINGERPRINT: ErrorFingerprint = Object.freeze({
  exact: shortHash("exact\n<empty log>"),
  template: shortHash("template\n<empty log>"),
  lines: [],
  templates: [],
}) as ErrorFingerprint;

export function fingerprintLogTail(tail: string, miner: TemplateMiner): ErrorFingerprint {
  const bounded = tail.length > MAX_TAIL_CHARS ? tail.slice(tail.length - MAX_TAIL_CHARS) : tail;
  const lines = cleanLogLines(bounded).slice(-TAIL_LINES);
  const chosen = chooseErrorLines(lines);
  if (chosen.length === 0) {
    return { ...EMPTY_FINGERPRINT, lines: [], templates: [] };
  }
  for (const item of chosen) {
    miner.add(item.line);
  }
  const texts = chosen.map((c) => c.line);
  const templates = chosen.map((c) => c.template);
  return {
    exact: shortHash(`exact\n${texts.join("\n")}`),
    template: shortHash(`template\n${templates.join("\n")}`),
    lines: texts,
    templates,
  };
}

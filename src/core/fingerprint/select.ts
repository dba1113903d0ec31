import { maskMessage } from "./masked-line.ts";
import { isPanicLine, isTraceFrame } from "./trace.ts";

/**
 * Which lines of a cleaned tail carry the error: the last block of error-looking lines
 * (with continuation lines), not a final generic "exit status 1" and not a stack trace when a
 * message is there to read.
 */

/** At most this many distinct lines make a fingerprint: enough for a cause and its context. */
export const MAX_CHOSEN_LINES = 8;

const ERROR_WORDS =
  /\b(?:err(?:or)?s?|fail(?:ed|ure|s|ing)?|fatal|panic(?:ked)?|refused|time[sd]? ?out|timeout|deadline exceeded|denied|forbidden|unauthori[sz]ed|not found|no such|does not exist|x509|rpc error|exit (?:status|code)|unable to|cannot|can't|could not|couldn't|invalid|unknown|exception|traceback|crashloopbackoff|backoff|unreachable|no route to host|reset by peer|broken pipe|violates|aborted|conflict|already (?:exists|set|running|in use)|not running|exhausted|exceeded|unsupported|mismatch|missing|not ready|unhealthy|killed|oomkilled|segmentation fault)\b/i;

// Paths and quoted names are the user's words, not the tool's: a checkout in `~/homelab-missing`
// or a Kustomization called 'failed-apps' says nothing about an error.
const PATH_OR_NAME = /(?:~|[A-Za-z]:)?[\w.@~+-]*\/[^\s'"`,;)\]]*|(["'`])[\w.:/@~+-]+\1/g;

/** Lines that only say that something failed, not why. */
const GENERIC_LINES = [
  /^(?:error: )?exit status \d+$/i,
  /^make(?:\[\d+\])?: \*\*\* .*Error \d+$/,
  /^error: process completed with exit code \d+\.?$/i,
  /^(?:error: )?command failed(?: with exit code \d+)?\.?$/i,
  /^(?:error: )?script returned exit code \d+$/i,
  /^npm (?:ERR!|error) (?:code|errno|path|command|A complete log).*$/,
  /^(?:task|error): Failed to run task ".*": exit status \d+$/i,
  /^Error: \d+ errors? occurred:?$/,
  /^\w+: exit status \d+$/,
];

function isErrorLine(line: string): boolean {
  return ERROR_WORDS.test(line) && ERROR_WORDS.test(line.replace(PATH_OR_NAME, " "));
}

function isGeneric(line: string): boolean {
  const text = line.trim();
  return GENERIC_LINES.some((rule) => rule.test(text));
}

function isContinuation(line: string): boolean {
  return line.startsWith("  ") || /^(?:at |goroutine \d+|Caused by:|\.\.\. \d+ more)/.test(line);
}

export interface ChosenLine {
  line: string;
  template: string;
}

/**
 * Pick the error block. Repeated lines (a retry loop printing the same error) count once, in
 * the order of their last appearance, so how many retries the tail happens to hold never matters.
 */
export function chooseErrorLines(lines: readonly string[]): ChosenLine[] {
  const withoutFrames = lines.filter((_, k) => !isTraceFrame(lines, k));
  const messages = withoutFrames.filter((line) => !isPanicLine(line));
  const namesCause = (candidates: readonly string[]) =>
    candidates.some((line) => isErrorLine(line) && !isGeneric(line));
  const block = namesCause(messages)
    ? errorBlock(messages)
    : errorBlock(namesCause(withoutFrames) ? withoutFrames : lines);
  return distinctByLastAppearance(block.map((line) => ({ line: line.trim(), template: maskMessage(line) })));
}

function errorBlock(lines: readonly string[]): string[] {
  let last = -1;
  for (let k = lines.length - 1; k >= 0; k--) {
    const line = lines[k] ?? "";
    if (isErrorLine(line) && !isGeneric(line)) {
      last = k;
      break;
    }
  }
  if (last < 0) {
    return lastWords(lines);
  }
  let first = last;
  while (first > 0) {
    const previous = lines[first - 1] ?? "";
    if ((isErrorLine(previous) && !isGeneric(previous)) || isContinuation(lines[first] ?? "")) {
      first--;
    } else {
      break;
    }
  }
  // The line that introduces the block ("Error from server:", "with resource ...:") is context.
  const intro = lines[first - 1];
  if (intro?.trimEnd().endsWith(":") && !isGeneric(intro)) {
    first--;
  }
  let end = last + 1;
  while (end < lines.length && isContinuation(lines[end] ?? "")) {
    end++;
  }
  return lines.slice(first, end);
}

/**
 * Nothing names a cause: the last thing the tool said before its generic ending, with that ending
 * (two failures that both end in "exit status 1" are not one error), else the last few lines.
 */
function lastWords(lines: readonly string[]): string[] {
  const generic = lines.filter(isGeneric);
  if (generic.length === 0) {
    return lines.slice(-3);
  }
  const firstGeneric = lines.findIndex(isGeneric);
  const said = lines.slice(0, firstGeneric).findLast((line) => !line.startsWith("+ "));
  return said === undefined ? generic : [said, ...generic];
}

function distinctByLastAppearance(chosen: ChosenLine[]): ChosenLine[] {
  const seen = new Set<string>();
  const reversed: ChosenLine[] = [];
  for (let k = chosen.length - 1; k >= 0 && reversed.length < MAX_CHOSEN_LINES; k--) {
    const item = chosen[k];
    if (item !== undefined && !seen.has(item.template)) {
      seen.add(item.template);
      reversed.push(item);
    }
  }
  return reversed.reverse();
}

import { MAX_TIMER_MS, MAX_TIMER_TEXT } from "../core/duration/index.ts";
import { UserError } from "../errors/index.ts";

/** `10m`, `90s`, `1h30m`, `500ms` → milliseconds, without checking the timer limit. */
function millisecondsOf(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!match || text.trim() === "") {
    return undefined;
  }
  const [, h = "0", m = "0", s = "0", ms = "0"] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(ms);
}

/** Why a duration cannot be a timeout: Node would fire its timer at once (see MAX_TIMER_MS). */
function tooLong(text: string): string {
  return `${text} is longer than the longest timer Node can hold (${MAX_TIMER_TEXT}); use a shorter duration`;
}

/**
 * `10m`, `90s`, `1h30m`, `500ms` → milliseconds; undefined when the text is no duration. A
 * duration no timer can hold is refused with a `UserError` naming `field`.
 */
export function parseDuration(text: string, field?: string): number | undefined {
  const ms = millisecondsOf(text);
  if (ms !== undefined && ms > MAX_TIMER_MS) {
    throw new UserError(`${field === undefined ? "" : `${field}: `}${tooLong(text.trim())}`);
  }
  return ms;
}

/**
 * A duration from a configuration file: text (`10m`) or a number of seconds. Returns the
 * milliseconds or the problem, for a schema to report against the field's path.
 */
export function readDuration(value: string | number): { ms: number } | { problem: string } {
  const ms = typeof value === "number" ? value * 1000 : millisecondsOf(value);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    return { problem: "expected a duration like 10m" };
  }
  if (ms > MAX_TIMER_MS) {
    return { problem: tooLong(typeof value === "number" ? `${value} seconds` : value.trim()) };
  }
  return { ms };
}

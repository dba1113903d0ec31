/**
 * The longest delay a Node timer holds: "when delay is larger than 2147483647 … the delay will be
 * set to 1" (https://nodejs.org/docs/latest-v20.x/api/timers.html#settimeoutcallback-delay-args),
 * so a timeout that long would end a command immediately.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** MAX_TIMER_MS in whole seconds, as messages show it: "596h31m23s". */
export const MAX_TIMER_TEXT = "596h31m23s";

/** 1_200_000 → "20m", 90_000 → "1m30s", 1500 → "1.5s": for messages people read. */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.round(ms)}ms`;
  }
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}${seconds ? `${seconds}s` : ""}`;
}

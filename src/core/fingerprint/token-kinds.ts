/**
 * Character-level tests for the one-pass masker (masked-line.ts): kinds of character as bits,
 * and the cheap checks that decide which masking rules a token needs.
 */
import { isKeptDigitWord, isNameWithDigit } from "./mask.ts";

export function indexOfIn(text: string, code: number, start: number, end: number): number {
  for (let k = start; k < end; k++) {
    if (text.charCodeAt(k) === code) {
      return k;
    }
  }
  return -1;
}

export function kindsOf(text: string, start: number, end: number): number {
  let flags = 0;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    flags |= c < 128 ? (KIND[c] as number) : OTHER;
  }
  return flags & ~MONTH_START;
}

/** , ; ) ] } */
export function isClosing(code: number): boolean {
  return code === 44 || code === 59 || code === 41 || code === 93 || code === 125;
}

export function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Characters that glue parts of one variable value together (IP dots, port colon, version dots). */
export function isConnector(code: number): boolean {
  // . : - _ / , +
  return (
    code === 46 || code === 58 || code === 45 || code === 95 || code === 47 || code === 44 || code === 43
  );
}

export function alnumRuns(text: string, start: number, end: number): number {
  let runs = 0;
  let inRun = false;
  for (let k = start; k < end; k++) {
    const alnum = isAlnum(text.charCodeAt(k));
    if (alnum && !inRun) {
      runs++;
    }
    inRun = alnum;
  }
  return runs;
}

/**
 * The word `text[start, end)` of a token names a thing: a known digit word, or a name with a
 * one-digit suffix that is the token's only word (`SOCKS5`, `eth0`, `'vmbr0'`).
 */
export function keepsDigits(
  text: string,
  start: number,
  end: number,
  tokenStart: number,
  tokenEnd: number,
): boolean {
  if (isNameWithDigit(text, start, end) && alnumRuns(text, tokenStart, tokenEnd) === 1) {
    return true;
  }
  return end - start <= 8 && isKeptDigitWord(text.slice(start, end));
}

/**
 * Numbers, times, IPv4 addresses and versions (`-24.0`, `07:07:00`, `10.0.0.1:50000`) mask to one
 * wildcard; the general path gives the same answer, this one is only faster.
 */
export function isNumberLike(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  if (
    !isDigit(text.charCodeAt(end - 1)) ||
    !(isDigit(first) || ((first === 45 || first === 43) && isDigit(text.charCodeAt(start + 1))))
  ) {
    return false;
  }
  for (let k = start + 1; k < end; k++) {
    const c = text.charCodeAt(k);
    if (!isDigit(c) && !isConnector(c)) {
      return false;
    }
  }
  return true;
}

/**
 * True when none of `maskToken`'s pattern rules can apply, so masking digit words is the whole
 * job: no `UPID:` or IPv6 (two colons), no temporary path, no hyphen between
 * letters or digits (pod names, UUIDs).
 */
export function hasSimpleShape(text: string, start: number, end: number): boolean {
  let colons = 0;
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c === 58) {
      if (++colons > 1 || (k - start >= 4 && text.startsWith("UPID", k - 4))) {
        return false;
      }
    } else if (c === 45) {
      if (k > start && k + 1 < end && isAlnum(text.charCodeAt(k - 1)) && isAlnum(text.charCodeAt(k + 1))) {
        return false;
      }
    } else if (c === 47) {
      if (startsTempFolder(text, k, end)) {
        return false;
      }
    }
  }
  return true;
}

function startsTempFolder(text: string, at: number, end: number): boolean {
  return (
    (at + 4 <= end && text.startsWith("/tmp", at)) ||
    (at + 5 <= end && text.startsWith("/var/", at)) ||
    (at + 8 <= end && text.startsWith("/dev/shm", at))
  );
}

// The first three letters of each month, as three character codes in one number.
const MONTH_STARTS = new Set(
  ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map(
    (m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
  ),
);

/** A month name starts at `k` (at a word start, followed by a space): only then can `CALENDAR_DATE` match. */
export function startsCalendarDate(text: string, k: number, start: number, end: number): boolean {
  if (k + 4 >= end) {
    return false;
  }
  if (k > start) {
    const p = text.charCodeAt(k - 1);
    if (isAlnum(p) || p === 95) {
      return false;
    }
  }
  const second = text.charCodeAt(k + 1);
  const third = text.charCodeAt(k + 2);
  if (second > 255 || third > 255 || !MONTH_STARTS.has((text.charCodeAt(k) << 16) | (second << 8) | third)) {
    return false;
  }
  let j = k + 3;
  while (j < end && text.charCodeAt(j) >= 97 && text.charCodeAt(j) <= 122) {
    j++;
  }
  return j < end && text.charCodeAt(j) === 32;
}

// Kinds of character, as bits: a token's kinds decide which masking rules can apply to it.
export const SPACE = 1;
export const DIGIT = 2;
export const LETTER = 4;
export const EQUALS = 8;
export const SLASH = 16;
export const COLON = 32;
export const HYPHEN = 64;
export const CONNECTOR = 128; // . _ , +
export const STAR = 256;
export const OTHER = 512;
export const MONTH_START = 1024 | LETTER; // J F M A S O N D
export const QUOTE = 2048; // " ' `
export const AT = 4096; // @
export const NEEDS_MASKING = DIGIT | EQUALS | SLASH;
export const NOT_IN_NUMBERS = LETTER | EQUALS | STAR | OTHER | QUOTE | AT;
/** Kinds of character a quoted name, a path or a name at a version holds one of (`'x'` by its first). */
export const MAY_BE_NAME = SLASH | QUOTE | AT;
export const MAY_HOLD_PATTERN = COLON | HYPHEN | SLASH;

export const KIND = new Uint16Array(128).map((_, c) => {
  if (c === 32 || c === 9 || c === 10 || c === 13) {
    return SPACE;
  }
  if (c >= 48 && c <= 57) {
    return DIGIT;
  }
  if (c === 74 || c === 70 || c === 77 || c === 65 || c === 83 || c === 79 || c === 78 || c === 68) {
    return MONTH_START;
  }
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
    return LETTER;
  }
  if (c === 61) {
    return EQUALS;
  }
  if (c === 47) {
    return SLASH;
  }
  if (c === 58) {
    return COLON;
  }
  if (c === 45) {
    return HYPHEN;
  }
  if (c === 46 || c === 95 || c === 44 || c === 43) {
    return CONNECTOR;
  }
  if (c === 42) {
    return STAR;
  }
  if (c === 34 || c === 39 || c === 96) {
    return QUOTE;
  }
  if (c === 64) {
    return AT;
  }
  return OTHER;
});

/** The token at `start` opens with a quote, maybe after `(` or `[`: it may be a quoted name. */
export function opensWithQuote(text: string, start: number): boolean {
  let c = text.charCodeAt(start);
  if (c === 40 || c === 91) {
    c = text.charCodeAt(start + 1);
  }
  return c === 34 || c === 39 || c === 96;
}

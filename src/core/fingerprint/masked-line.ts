import {
  CALENDAR_DATE,
  isUnit,
  maskNameToken,
  maskPatterns,
  type TokenShape,
  VARIABLE_KEY,
  WILDCARD,
} from "./mask.ts";
import {
  AT,
  EQUALS,
  hasSimpleShape,
  indexOfIn,
  isAlnum,
  isClosing,
  isConnector,
  isNumberLike,
  KIND,
  keepsDigits,
  kindsOf,
  MAY_BE_NAME,
  MAY_HOLD_PATTERN,
  MONTH_START,
  NEEDS_MASKING,
  NOT_IN_NUMBERS,
  OTHER,
  opensWithQuote,
  QUOTE,
  SLASH,
  SPACE,
  STAR,
  startsCalendarDate,
} from "./token-kinds.ts";

/**
 * The masked form of one message, built in one pass over its characters into a reused buffer:
 * a miner looks a known message up without making a single string. Tokens that
 * only need digit words masked (nearly all) are masked by character codes alone; the few that
 * may hold a UUID, IPv6 address, pod name, UPID or temporary path go through `maskPatterns`
 * first.
 */
export class MaskedLine {
  codes = new Uint16Array(1024);
  length = 0;

  /** Mask `text[start, end)`; tokens are separated by single spaces in the result. */
  read(text: string, start = 0, end = text.length): this {
    return this.scan(text, start, end, true);
  }

  toString(): string {
    let text = "";
    for (let k = 0; k < this.length; k += 4096) {
      text += String.fromCharCode.apply(
        null,
        this.codes.subarray(k, Math.min(this.length, k + 4096)) as never,
      );
    }
    return text;
  }

  /** The tokens of the masked message (none for an empty one). */
  tokens(): string[] {
    return this.length === 0 ? [] : this.toString().split(" ");
  }

  private scan(text: string, start: number, end: number, dates: boolean): this {
    // Masking at most triples a token (`1` -> `<*>`), so this is all the room the scan needs.
    if (this.codes.length < 3 * (end - start) + 16) {
      this.codes = new Uint16Array(3 * (end - start) + 1024);
    }
    const codes = this.codes;
    let n = 0;
    let previous = -1; // buffer offset of the last token kept, -1 before the first
    let previousPure = false; // that token is a variable and nothing else (`<*>`, `(<*>)`)
    let i = start;
    while (i < end) {
      let c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        i++;
        continue;
      }
      if (n > 0) {
        codes[n++] = 32;
      }
      const at = n;
      const tokenStart = i;
      let flags = 0;
      // Copy the token while noting which kinds of character it holds.
      for (; i < end; i++) {
        c = text.charCodeAt(i);
        const kind = c < 128 ? (KIND[c] as number) : OTHER;
        if (kind === SPACE) {
          break;
        }
        if (kind === MONTH_START && dates && startsCalendarDate(text, i, start, end)) {
          const line = text.slice(start, end);
          const replaced = line.replace(CALENDAR_DATE, WILDCARD);
          return replaced === line
            ? this.scan(text, start, end, false)
            : this.scan(replaced, 0, replaced.length, false);
        }
        flags |= kind;
        codes[n++] = c;
      }
      this.length = n;
      if ((flags & NEEDS_MASKING) !== 0) {
        this.length = at;
        this.maskToken(text, tokenStart, i, flags);
        n = this.length;
      } else if ((flags & QUOTE) !== 0 && this.maskQuotedName(text, tokenStart, i, at)) {
        n = this.length;
      } else if (!previousPure && (flags & STAR) === 0) {
        previous = at;
        continue;
      }
      const shape = this.shape(at);
      // Variable parts whose token count varies (`1190 bytes (1.16 KB)`, `<1 sec` vs `00:01`) fold
      // into one wildcard: a variable swallows a unit after it and the variables that follow.
      if (
        previousPure &&
        (shape.pure ||
          shape.bracketed ||
          shape.emptyBrackets ||
          ((flags & NEEDS_MASKING) === 0 && isUnit(text, tokenStart, i)))
      ) {
        n = previous;
        codes[n++] = 60;
        codes[n++] = 42;
        codes[n++] = 62;
        continue;
      }
      previous = at;
      previousPure = shape.pure;
    }
    this.length = n;
    return this;
  }

  /** A quoted word with nothing else to mask (`'local-lvm'`) written from `at` as a name, if it is one. */
  private maskQuotedName(text: string, start: number, end: number, at: number): boolean {
    if (!opensWithQuote(text, start)) {
      return false;
    }
    const name = maskNameToken(text, start, end, false, false);
    if (name === undefined) {
      return false;
    }
    this.length = at;
    this.copy(name, 0, name.length);
    return true;
  }

  /** Mask one whitespace-free token that has a digit, `=` or `/` in it; `flags` are its kinds of character. */
  private maskToken(text: string, start: number, end: number, flags: number): void {
    if ((flags & NOT_IN_NUMBERS) === 0 && isNumberLike(text, start, end)) {
      this.pushWildcard();
      return;
    }
    if ((flags & MAY_BE_NAME) !== 0 && (flags & EQUALS) === 0) {
      const name = maskNameToken(text, start, end, (flags & SLASH) !== 0, (flags & AT) !== 0);
      if (name !== undefined) {
        this.copy(name, 0, name.length);
        return;
      }
      if ((flags & NEEDS_MASKING) === 0) {
        this.copy(text, start, end); // a quoted word that is not a name: nothing else to mask
        return;
      }
    }
    const eq = (flags & EQUALS) === 0 ? -1 : indexOfIn(text, 61, start, end);
    if (eq > start && eq < end - 1) {
      // The part before `=` can itself vary (`https://10.0.0.5:6443/api?timeout=`).
      const before = kindsOf(text, start, eq);
      if ((before & NEEDS_MASKING) !== 0) {
        this.maskToken(text, start, eq, before);
      } else {
        this.copy(text, start, eq);
      }
      this.push(61);
      if (VARIABLE_KEY.test(text.slice(start, eq).replace(/^[^A-Za-z0-9_]+/, ""))) {
        // The value is masked whole; closing punctuation after it stays.
        let trail = end;
        while (trail > eq + 1 && isClosing(text.charCodeAt(trail - 1))) {
          trail--;
        }
        this.pushWildcard();
        this.copy(text, trail, end);
      } else {
        this.maskToken(text, eq + 1, end, kindsOf(text, eq + 1, end));
      }
      return;
    }
    if ((flags & MAY_HOLD_PATTERN) === 0 || hasSimpleShape(text, start, end)) {
      this.maskDigitWords(text, start, end);
    } else {
      const patterned = maskPatterns(text.slice(start, end));
      this.maskDigitWords(patterned, 0, patterned.length);
    }
  }

  private shapeResult: TokenShape = { pure: false, bracketed: false, emptyBrackets: false };

  /** What the token written from `at` looks like, for folding variable runs. */
  private shape(at: number): TokenShape {
    const codes = this.codes;
    const end = this.length;
    let wildcard = false;
    let alnum = false;
    let onlyBrackets = true;
    for (let k = at; k < end; k++) {
      const c = codes[k] as number;
      if (c === 42 && k > at && k + 1 < end && codes[k - 1] === 60 && codes[k + 1] === 62) {
        wildcard = true;
      }
      if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
        alnum = true;
      }
      // ( ) [ ] { } " '
      if (!(c === 40 || c === 41 || c === 91 || c === 93 || c === 123 || c === 125 || c === 34 || c === 39)) {
        onlyBrackets = false;
      }
    }
    const result = this.shapeResult;
    result.pure = wildcard && !alnum;
    result.emptyBrackets = onlyBrackets && end > at;
    result.bracketed = false;
    if (wildcard && (codes[at] === 40 || codes[at] === 91)) {
      let last = end - 1;
      const trail = codes[last] as number;
      if ((trail === 44 || trail === 59 || trail === 58 || trail === 46) && last - 1 > at) {
        last--;
      }
      const close = codes[last] as number;
      result.bracketed = (close === 41 || close === 93) && last > at + 3;
    }
    return result;
  }

  private push(code: number): void {
    if (this.length === this.codes.length) {
      const grown = new Uint16Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = code;
  }

  private pushWildcard(): void {
    this.push(60);
    this.push(42);
    this.push(62);
  }

  private copy(text: string, start: number, end: number): void {
    while (this.length + (end - start) > this.codes.length) {
      const grown = new Uint16Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    const codes = this.codes;
    let n = this.length;
    for (let k = start; k < end; k++) {
      codes[n++] = text.charCodeAt(k);
    }
    this.length = n;
  }

  /**
   * Replace every alphanumeric word that contains a digit by the wildcard and fold runs of
   * wildcards joined only by connector characters (`10.0.0.1:50000`, `1.5s`, `-42`) into one.
   */
  private maskDigitWords(text: string, start: number, end: number): void {
    const tokenStart = this.length;
    let lastWildEnd = -1; // buffer offset just after the last wildcard of this token
    let i = start;
    while (i < end) {
      const code = text.charCodeAt(i);
      if (!isAlnum(code)) {
        this.push(code);
        i++;
        continue;
      }
      let j = i;
      let digits = false;
      let letters = false;
      while (j < end) {
        const c = text.charCodeAt(j);
        if (c >= 48 && c <= 57) {
          digits = true;
        } else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
          letters = true;
        } else {
          break;
        }
        j++;
      }
      if (digits && !(letters && keepsDigits(text, i, j, start, end))) {
        if (lastWildEnd >= 0 && this.onlyConnectorsFrom(lastWildEnd)) {
          this.length = lastWildEnd;
        } else {
          // A sign glued to a number belongs to it: "-42" and "42" are the same variable.
          const n = this.length;
          const last = n > tokenStart ? (this.codes[n - 1] as number) : -1;
          if (
            (last === 45 || last === 43 || last === 60 || last === 62 || last === 126) &&
            !(n - 2 >= tokenStart && isAlnum(this.codes[n - 2] as number))
          ) {
            this.length--;
          }
          this.pushWildcard();
        }
        lastWildEnd = this.length;
      } else {
        this.copy(text, i, j);
      }
      i = j;
    }
  }

  private onlyConnectorsFrom(from: number): boolean {
    for (let k = from; k < this.length; k++) {
      if (!isConnector(this.codes[k] as number)) {
        return false;
      }
    }
    return true;
  }
}

const shared = new MaskedLine();

/** Split on whitespace and mask each token; the result is the message's deterministic template. */
export function maskTokens(message: string): string[] {
  return shared.read(message).tokens();
}

/** The deterministic template of one message: masked tokens joined by single spaces. */
export function maskMessage(message: string): string {
  return shared.read(message).toString();
}

import { StringDecoder } from "node:string_decoder";

/** Lines longer than this are split into pieces of this many characters. */
export const DEFAULT_MAX_LINE_CHARS = 64 * 1024;

/**
 * Turns a byte stream into lines. A character split between two chunks is decoded whole; a
 * line is never longer than `maxLineChars` (a longer one is emitted in pieces), and only the
 * current line's pieces are held, so output without newlines costs linear time and bounded
 * memory.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder("utf8");
  readonly #maxLineChars: number;
  readonly #emit: (line: string) => void;
  #pending: string[] = [];
  #pendingChars = 0;

  constructor(emit: (line: string) => void, maxLineChars = DEFAULT_MAX_LINE_CHARS) {
    this.#emit = emit;
    this.#maxLineChars = Math.max(1, maxLineChars);
  }

  write(chunk: Buffer): void {
    this.#take(this.#decoder.write(chunk));
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    this.#take(this.#decoder.end());
    if (this.#pendingChars > 0) {
      this.#flush();
    }
  }

  #take(text: string): void {
    let from = 0;
    while (from < text.length) {
      const newline = text.indexOf("\n", from);
      const end = newline === -1 ? text.length : newline;
      while (from < end) {
        if (this.#pendingChars === this.#maxLineChars) {
          this.#flush();
        }
        const take = Math.min(this.#maxLineChars - this.#pendingChars, end - from);
        this.#pending.push(text.slice(from, from + take));
        this.#pendingChars += take;
        from += take;
      }
      if (newline === -1) {
        return;
      }
      this.#flush();
      from = newline + 1;
    }
  }

  #flush(): void {
    const line = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join("");
    this.#pending = [];
    this.#pendingChars = 0;
    this.#emit(line);
  }
}

/**
 * The last lines of a stream, bounded both in count and in characters (a few huge lines must
 * not pin megabytes).
 */
export class LineTail {
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #lines: string[] = [];
  #chars = 0;

  constructor(maxLines: number, maxChars: number) {
    this.#maxLines = maxLines;
    this.#maxChars = maxChars;
  }

  push(line: string): void {
    if (this.#maxLines === 0) {
      return;
    }
    this.#lines.push(line);
    this.#chars += line.length;
    while (this.#lines.length > this.#maxLines || (this.#chars > this.#maxChars && this.#lines.length > 1)) {
      this.#chars -= (this.#lines.shift() as string).length;
    }
  }

  get chars(): number {
    return this.#chars;
  }

  lines(): string[] {
    return [...this.#lines];
  }
}

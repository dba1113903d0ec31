/**
 * Keeps the first and last bytes of a stream and counts the rest, so a command that prints
 * 10 MB costs a few KiB of memory: the head is kept as it arrives, the tail in a window that
 * slides over everything after it.
 */
export class HeadTailBuffer {
  readonly #headLimit: number;
  readonly #tailLimit: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #totalBytes = 0;

  /** `capBytes` is split evenly between head and tail. */
  constructor(capBytes: number) {
    this.#headLimit = Math.ceil(capBytes / 2);
    this.#tailLimit = Math.floor(capBytes / 2);
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Bytes held in memory right now: never more than the cap. */
  get retainedBytes(): number {
    return this.#headBytes + this.#tailBytes;
  }

  get truncated(): boolean {
    return this.#totalBytes > this.retainedBytes;
  }

  write(chunk: Buffer): void {
    this.#totalBytes += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headLimit) {
      const take = Math.min(rest.length, this.#headLimit - this.#headBytes);
      // Copies, so a kept slice never pins the whole chunk it came from.
      this.#head.push(Buffer.from(rest.subarray(0, take)));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length === 0 || this.#tailLimit === 0) {
      return;
    }
    this.#tail.push(Buffer.from(rest.subarray(Math.max(0, rest.length - this.#tailLimit))));
    this.#tailBytes += Math.min(rest.length, this.#tailLimit);
    if (this.#tailBytes > this.#tailLimit) {
      const joined = Buffer.concat(this.#tail);
      this.#tail = [Buffer.from(joined.subarray(joined.length - this.#tailLimit))];
      this.#tailBytes = this.#tailLimit;
    }
  }

  /** Head, a `[... N bytes cut ...]` marker when something was dropped, and tail, as UTF-8 text. */
  text(): string {
    const head = Buffer.concat(this.#head).toString("utf8");
    let tail = Buffer.concat(this.#tail);
    const cut = this.#totalBytes - this.retainedBytes;
    if (cut === 0) {
      return head + tail.toString("utf8");
    }
    // Start the tail on a character boundary rather than in the middle of one.
    let start = 0;
    while (start < tail.length && start < 3 && ((tail[start] ?? 0) & 0xc0) === 0x80) {
      start++;
    }
    tail = tail.subarray(start);
    return `${head}\n[... ${cut + start} bytes cut ...]\n${tail.toString("utf8")}`;
  }
}

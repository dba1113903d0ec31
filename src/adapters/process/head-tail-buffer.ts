/**
 * The last `limit` bytes of a stream. Chunks are kept as they arrive and whole chunks fall off
 * the front, so each byte is copied once however long the stream runs (no re-joining of the
 * window on every write).
 */
export class TailBuffer {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get retainedBytes(): number {
    return this.#bytes;
  }

  write(chunk: Buffer): void {
    if (this.#limit === 0 || chunk.length === 0) {
      return;
    }
    // Copies, so a kept slice never pins the whole (possibly much larger) buffer it came from.
    const kept = Buffer.from(chunk.length > this.#limit ? chunk.subarray(chunk.length - this.#limit) : chunk);
    this.#chunks.push(kept);
    this.#bytes += kept.length;
    while (this.#bytes > this.#limit) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#bytes - this.#limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#bytes -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#bytes -= excess;
      }
    }
    if (this.#chunks.length > 1024) {
      // Many tiny writes: fold them so the array stays short.
      this.#chunks = [Buffer.concat(this.#chunks)];
    }
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

/** Drops the continuation bytes a cut left at the start of `bytes`, so the text starts on a whole character. */
export function startOnCharacter(bytes: Buffer): { bytes: Buffer; dropped: number } {
  let start = 0;
  while (start < bytes.length && start < 3 && ((bytes[start] ?? 0) & 0xc0) === 0x80) {
    start++;
  }
  return { bytes: bytes.subarray(start), dropped: start };
}

/** The marker put where bytes were cut out of the middle of an output or a log. */
export function cutMarker(bytes: number): string {
  return `[... ${bytes} bytes cut ...]`;
}

/**
 * Keeps the first and last bytes of a stream and counts the rest, so a command that prints
 * 10 MB costs a few KiB of memory: the head is kept as it arrives, the tail in a window that
 * slides over everything after it.
 */
export class HeadTailBuffer {
  readonly #headLimit: number;
  readonly #head: Buffer[] = [];
  #headBytes = 0;
  readonly #tail: TailBuffer;
  #totalBytes = 0;

  /** `capBytes` is split evenly between head and tail. */
  constructor(capBytes: number) {
    this.#headLimit = Math.ceil(capBytes / 2);
    this.#tail = new TailBuffer(Math.floor(capBytes / 2));
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  /** Bytes held in memory right now: never more than the cap. */
  get retainedBytes(): number {
    return this.#headBytes + this.#tail.retainedBytes;
  }

  get truncated(): boolean {
    return this.#totalBytes > this.retainedBytes;
  }

  write(chunk: Buffer): void {
    this.#totalBytes += chunk.length;
    let rest = chunk;
    if (this.#headBytes < this.#headLimit) {
      const take = Math.min(rest.length, this.#headLimit - this.#headBytes);
      this.#head.push(Buffer.from(rest.subarray(0, take)));
      this.#headBytes += take;
      rest = rest.subarray(take);
    }
    this.#tail.write(rest);
  }

  /** Head, a `[... N bytes cut ...]` marker when something was dropped, and tail, as UTF-8 text. */
  text(): string {
    const head = Buffer.concat(this.#head);
    const tail = this.#tail.bytes();
    const cut = this.#totalBytes - this.retainedBytes;
    if (cut === 0) {
      return Buffer.concat([head, tail]).toString("utf8");
    }
    const whole = startOnCharacter(tail);
    return `${head.toString("utf8")}\n${cutMarker(cut + whole.dropped)}\n${whole.bytes.toString("utf8")}`;
  }
}

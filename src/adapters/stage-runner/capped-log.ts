import { createWriteStream, type WriteStream } from "node:fs";
import { cutMarker, TailBuffer } from "../process/index.ts";

/** A stage log keeps its first and last this many bytes; what lies between is cut and counted. */
export const DEFAULT_LOG_HEAD_BYTES = 8 * 1024 * 1024;
export const DEFAULT_LOG_TAIL_BYTES = 8 * 1024 * 1024;

export interface LogCap {
  headBytes: number;
  tailBytes: number;
}

/**
 * A log file that keeps head and tail. Lines go straight to disk until the head is full; after
 * that only the last `tailBytes` are kept in memory, and written behind a
 * `[... N bytes cut ...]` marker when the log is closed. Memory and disk stay bounded whatever a
 * command prints; the tail, which the fingerprint reads, is always complete.
 */
export class CappedLog {
  readonly #stream: WriteStream;
  readonly #cap: LogCap;
  readonly #tail: TailBuffer;
  #headBytes = 0;
  #tailSeen = 0;
  #error: Error | undefined;

  constructor(
    path: string,
    cap: LogCap = { headBytes: DEFAULT_LOG_HEAD_BYTES, tailBytes: DEFAULT_LOG_TAIL_BYTES },
  ) {
    this.#cap = cap;
    this.#tail = new TailBuffer(cap.tailBytes);
    this.#stream = createWriteStream(path, { flags: "a" });
    this.#stream.on("error", (error) => {
      this.#error ??= error;
    });
  }

  writeLine(line: string): void {
    const bytes = Buffer.from(`${line}\n`, "utf8");
    // The head ends on a whole line: a line that does not fit starts the tail.
    if (this.#tailSeen === 0 && this.#headBytes + bytes.length <= this.#cap.headBytes) {
      this.#headBytes += bytes.length;
      this.#stream.write(bytes);
      return;
    }
    this.#tailSeen += bytes.length;
    this.#tail.write(bytes);
  }

  /** Writes the kept tail and closes the file. */
  async close(): Promise<void> {
    let tail = this.#tail.bytes();
    let cut = this.#tailSeen - tail.length;
    if (cut > 0) {
      // Start the kept tail on a whole line, as the cut left it in the middle of one.
      const newline = tail.indexOf(10);
      if (newline !== -1 && newline < tail.length - 1) {
        cut += newline + 1;
        tail = tail.subarray(newline + 1);
      }
      this.#stream.write(`${cutMarker(cut)}\n`);
    }
    if (tail.length > 0) {
      this.#stream.write(tail);
    }
    await new Promise<void>((resolve) => this.#stream.end(() => resolve()));
    if (this.#error) {
      throw this.#error;
    }
  }
}

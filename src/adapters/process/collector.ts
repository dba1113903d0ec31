import { StringDecoder } from "node:string_decoder";
import { HeadTailBuffer } from "./head-tail-buffer.ts";
import { LineSplitter, LineTail } from "./line-splitter.ts";
import type { OutputMode, OutputStream, ProcessResult } from "./types.ts";

const DEFAULT_TAIL_LINES = 200;
const TAIL_MAX_CHARS = 256 * 1024;

/** Gathers output as the mode asks, and always a bounded tail of lines. */
export class Collector {
  readonly #mode: OutputMode;
  readonly #tail: LineTail;
  /** Absent when nobody wants lines (capture modes with `tailLines: 0`, e.g. git). */
  readonly #splitters: Record<OutputStream, LineSplitter> | undefined;
  readonly #chunks: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  readonly #decoders: Record<OutputStream, StringDecoder> = {
    stdout: new StringDecoder("utf8"),
    stderr: new StringDecoder("utf8"),
  };
  readonly #interleaved: string[] = [];
  readonly #capped: HeadTailBuffer | undefined;
  readonly #bytes: Record<OutputStream, number> = { stdout: 0, stderr: 0 };

  constructor(mode: OutputMode) {
    this.#mode = mode;
    this.#tail = new LineTail(mode.tailLines ?? DEFAULT_TAIL_LINES, TAIL_MAX_CHARS);
    this.#capped = mode.mode === "capped" ? new HeadTailBuffer(mode.capBytes) : undefined;
    const splitter = (stream: OutputStream) =>
      new LineSplitter(
        (line) => {
          this.#tail.push(line);
          if (mode.mode === "lines") {
            mode.onLine?.(line, stream);
          }
        },
        mode.mode === "lines" ? mode.maxLineChars : undefined,
      );
    const wantsLines = mode.mode === "lines" || mode.tailLines !== 0;
    this.#splitters = wantsLines ? { stdout: splitter("stdout"), stderr: splitter("stderr") } : undefined;
  }

  write(stream: OutputStream, chunk: Buffer): void {
    this.#bytes[stream] += chunk.length;
    this.#splitters?.[stream].write(chunk);
    if (this.#mode.mode === "all") {
      this.#chunks[stream].push(chunk);
      this.#interleaved.push(this.#decoders[stream].write(chunk));
    } else {
      this.#capped?.write(chunk);
    }
  }

  end(): Pick<
    ProcessResult,
    "stdout" | "stderr" | "interleaved" | "tail" | "outputBytes" | "stdoutBytes" | "stderrBytes" | "truncated"
  > {
    this.#splitters?.stdout.end();
    this.#splitters?.stderr.end();
    let interleaved = "";
    if (this.#mode.mode === "all") {
      this.#interleaved.push(this.#decoders.stdout.end(), this.#decoders.stderr.end());
      interleaved = this.#interleaved.join("");
    } else if (this.#capped) {
      interleaved = this.#capped.text();
    }
    return {
      stdout: Buffer.concat(this.#chunks.stdout).toString("utf8"),
      stderr: Buffer.concat(this.#chunks.stderr).toString("utf8"),
      interleaved,
      tail: this.#tail.lines(),
      outputBytes: this.#bytes.stdout + this.#bytes.stderr,
      stdoutBytes: this.#bytes.stdout,
      stderrBytes: this.#bytes.stderr,
      truncated: this.#capped?.truncated ?? false,
    };
  }
}

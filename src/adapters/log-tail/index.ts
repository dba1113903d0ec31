import { open } from "node:fs/promises";

/** Bytes read per step from the end of the file; a few steps cover 200 ordinary lines. */
const CHUNK_BYTES = 64 * 1024;
/** Never read more than this, however long the lines are: the fingerprint cuts long lines anyway. */
const MAX_TAIL_BYTES = 4 * 1024 * 1024;

/**
 * The line that ends the header a stage log starts with (command, folder, start time); the
 * header is about the run, not the command's output, so the tail never includes it.
 */
export const LOG_HEADER_END = "[orchestrator] ---- output ----";

/**
 * The last `maxLines` lines of a file (after its header, when the file has one), read backwards in chunks so a 1 GiB log costs the same
 * as a 1 MiB one. A trailing newline does not count as an empty last line.
 */
export async function readLogTail(path: string, maxLines = 200): Promise<string> {
  if (maxLines <= 0) {
    return "";
  }
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const chunks: Buffer[] = [];
    let position = size;
    let newlines = 0;
    let read = 0;
    // One more newline than lines wanted: the one before the first wanted line.
    while (position > 0 && newlines <= maxLines && read < MAX_TAIL_BYTES) {
      const length = Math.min(CHUNK_BYTES, position);
      position -= length;
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, position);
      const data = chunk.subarray(0, bytesRead);
      chunks.unshift(data);
      read += bytesRead;
      for (let k = 0; k < data.length; k++) {
        if (data[k] === 10) {
          newlines++;
        }
      }
    }
    let buffer = Buffer.concat(chunks);
    if (buffer[buffer.length - 1] === 10) {
      buffer = buffer.subarray(0, buffer.length - 1);
    }
    let start = buffer.length;
    const headerEnd = position === 0 ? buffer.indexOf(LOG_HEADER_END) : -1;
    for (let lines = 0; start > 0 && lines < maxLines; ) {
      start--;
      if (buffer[start] === 10) {
        lines++;
        if (lines === maxLines) {
          start++;
          break;
        }
      }
    }
    const afterHeader = headerEnd + Buffer.byteLength(LOG_HEADER_END);
    if (headerEnd !== -1 && (afterHeader === buffer.length || buffer[afterHeader] === 10)) {
      start = Math.max(start, Math.min(buffer.length, afterHeader + 1));
    }
    return buffer.subarray(start).toString("utf8");
  } finally {
    await handle.close();
  }
}

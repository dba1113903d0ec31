import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { JournalLine } from "../../core/notify/index.ts";
import { STATE_FILES } from "../../core/repo-layout/index.ts";

/** Every line of the repo's journal as a plain object: event types this version does not know included. */
export async function readJournalLines(repoRoot: string): Promise<JournalLine[]> {
  return (await readJournalFrom(join(repoRoot, STATE_FILES.journal), 0)).lines;
}

export async function journalSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return 0;
    }
    throw error;
  }
}

/**
 * Whole lines from `offset` to the journal's last newline, read as plain objects with a `type`
 * and an `at`: every event type, including ones this version does not know.
 */
export async function readJournalFrom(
  path: string,
  offset: number,
): Promise<{ lines: JournalLine[]; nextOffset: number }> {
  const size = await journalSize(path);
  if (size < offset) {
    // The journal was replaced by a shorter one: read it from its end on.
    return { lines: [], nextOffset: size };
  }
  if (size === offset) {
    return { lines: [], nextOffset: offset };
  }
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    const complete = text.lastIndexOf("\n") + 1;
    const lines: JournalLine[] = [];
    for (const raw of text.slice(0, complete).split("\n")) {
      try {
        const value: unknown = JSON.parse(raw);
        if (isJournalLine(value)) {
          lines.push(value);
        }
      } catch {
        // a line cut short or not JSON: skipped, as every journal reader does
      }
    }
    return { lines, nextOffset: offset + Buffer.byteLength(text.slice(0, complete)) };
  } finally {
    await handle.close();
  }
}

function isJournalLine(value: unknown): value is JournalLine {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const fields = value as Record<string, unknown>;
  return typeof fields["type"] === "string" && typeof fields["at"] === "string";
}

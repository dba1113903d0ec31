import { appendFile, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const bytesRead = vi.hoisted(() => ({ total: 0 }));

// Count every byte the adapter reads, so the test can prove it never reads the whole file.
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
      Object.assign(handle, {
        read: async (...a: unknown[]) => {
          const result = await read(...a);
          bytesRead.total += result.bytesRead;
          return result;
        },
      });
      return handle;
    },
  };
});

const { readLogTail } = await import("./index.ts");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "log-tail-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readLogTail", () => {
  it("reads only the end of a 1 GiB sparse log", async () => {
    const file = join(dir, "huge.log");
    await writeFile(file, "first line at the very start\n");
    await truncate(file, 1024 ** 3);
    const lines = Array.from({ length: 300 }, (_, k) => `line ${k + 1}`);
    await appendFile(file, `\n${lines.join("\n")}\n`);
    bytesRead.total = 0;
    const tail = await readLogTail(file);
    expect(tail.split("\n")).toEqual(lines.slice(-200));
    expect(bytesRead.total).toBeLessThan(256 * 1024);
  });

  it("returns the whole file when it has fewer lines than asked for", async () => {
    const file = join(dir, "short.log");
    await writeFile(file, "one\ntwo\nthree");
    expect(await readLogTail(file, 10)).toBe("one\ntwo\nthree");
    expect(await readLogTail(file, 2)).toBe("two\nthree");
  });

  it("returns an empty string for an empty file", async () => {
    const file = join(dir, "empty.log");
    await writeFile(file, "");
    expect(await readLogTail(file)).toBe("");
  });

  it("stops at a few MiB when the last line is gigantic", async () => {
    const file = join(dir, "one-line.log");
    await writeFile(file, `${"y".repeat(20 * 1024 * 1024)}\n`);
    bytesRead.total = 0;
    const tail = await readLogTail(file);
    expect(tail.length).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(bytesRead.total).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it("fails with ENOENT for a missing file", async () => {
    await expect(readLogTail(join(dir, "missing.log"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

import { describe, expect, it } from "vitest";
import { HeadTailBuffer } from "./head-tail-buffer.ts";

describe("HeadTailBuffer", () => {
  it("keeps everything while the output fits", () => {
    const buffer = new HeadTailBuffer(100);
    buffer.write(Buffer.from("hello "));
    buffer.write(Buffer.from("world\n"));
    expect(buffer.text()).toBe("hello world\n");
    expect(buffer.truncated).toBe(false);
  });

  it("holds no more than the cap in memory while 10 MB stream through, and keeps head and tail", () => {
    const buffer = new HeadTailBuffer(16_384);
    const chunk = Buffer.alloc(65_536, "x");
    buffer.write(Buffer.from("FIRST\n"));
    let peak = 0;
    for (let i = 0; i < 160; i++) {
      buffer.write(chunk);
      peak = Math.max(peak, buffer.retainedBytes);
    }
    buffer.write(Buffer.from("\nLAST\n"));
    expect(peak).toBeLessThanOrEqual(16_384);
    expect(buffer.totalBytes).toBe(6 + 160 * 65_536 + 6);
    const text = buffer.text();
    expect(text.startsWith("FIRST\n")).toBe(true);
    expect(text.endsWith("\nLAST\n")).toBe(true);
    expect(text).toContain(`[... ${buffer.totalBytes - 16_384} bytes cut ...]`);
  });

  it("never starts the tail in the middle of a UTF-8 character", () => {
    const buffer = new HeadTailBuffer(8);
    buffer.write(Buffer.from("abcd"));
    buffer.write(Buffer.from("ééééé"));
    expect(buffer.text()).not.toContain("\uFFFD");
  });
});

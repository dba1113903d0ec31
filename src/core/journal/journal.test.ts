import { describe, expect, it } from "vitest";
import { parseJournal } from "./index.ts";

describe("reading the journal", () => {
  it("skips lines a crash cut short, non-objects like null, and unknown event types, counting them", () => {
    const text = [
      '{"at":"2026-11-25T10:00:00.000Z","type":"reset","stage":"vms"}',
      "null",
      "42",
      '{"at":"2026-11-25T10:00:01.000Z","type":"from_the_future","stage":"vms"}',
      '{"at":"2026-11-25T10:00:02.000Z","type":"drift","stage":"vms","check":"c","detail":"d"}',
      '{"type":"sta',
      "",
    ].join("\n");
    const { records, skipped } = parseJournal(text);
    expect(records.map((record) => record.type)).toEqual(["reset", "drift"]);
    expect(skipped).toBe(4);
  });
});

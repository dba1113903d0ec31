import { describe, expect, it } from "vitest";
import { runFixMemoryScenario } from "../../../bench/fix-memory-scenario.ts";

describe("the same fault twice", () => {
  it("is fixed the second time from memory with no executor run and no API request", async () => {
    const { first, second } = await runFixMemoryScenario();
    console.log(`first: ${JSON.stringify(first)}\nsecond: ${JSON.stringify(second)}`);
    expect(first).toEqual({ apiRequests: 1, executorRuns: 1, replays: 0, source: "openai-compatible" });
    expect(second).toEqual({ apiRequests: 0, executorRuns: 0, replays: 1, source: "memory" });
  });
});

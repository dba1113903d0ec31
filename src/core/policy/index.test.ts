import { describe, expect, it } from "vitest";
import { type Action, backoff, decide, type RunOutcome, type StageFacts } from "./index.ts";

const settings = {
  executorRetryThreshold: 3,
  apiCallBudget: 3,
  retryBackoffMs: 10_000,
  retryBackoffMaxMs: 300_000,
};
const failed: RunOutcome = { kind: "failed", fingerprint: "abc123" };
const base: StageFacts = {
  attempts: 1,
  executorAvailable: true,
  untriedFixId: undefined,
  apiConfigured: true,
  apiCallsUsed: 0,
  modelGaveUp: undefined,
};

describe("decide", () => {
  const table: Array<[string, Partial<StageFacts>, RunOutcome, Action["kind"]]> = [
    ["a green run is done", {}, { kind: "green" }, "done"],
    [
      "a green run is done even at the threshold",
      { attempts: 9, apiCallsUsed: 3 },
      { kind: "green" },
      "done",
    ],
    [
      "an interrupted run stops the loop",
      {},
      { kind: "interrupted", reason: "interrupted by Ctrl-C (SIGINT)" },
      "stop",
    ],
    ["a first failure goes to the executor", { attempts: 1 }, failed, "executor"],
    ["a second failure goes to the executor", { attempts: 2 }, failed, "executor"],
    [
      "below the threshold without an executor is a plain retry",
      { attempts: 2, executorAvailable: false },
      failed,
      "retry",
    ],
    ["at the threshold it escalates", { attempts: 3 }, failed, "escalate"],
    ["past the threshold with calls left it escalates", { attempts: 5, apiCallsUsed: 2 }, failed, "escalate"],
    ["with the call budget spent it gives up", { attempts: 6, apiCallsUsed: 3 }, failed, "give_up"],
    ["at the threshold with no API it gives up", { attempts: 3, apiConfigured: false }, failed, "give_up"],
    ["a remembered fix is replayed before the executor", { untriedFixId: "fix-1" }, failed, "replay_fix"],
    [
      "a remembered fix is replayed before escalating",
      { attempts: 4, untriedFixId: "fix-1" },
      failed,
      "replay_fix",
    ],
    [
      "the model giving up ends the episode",
      { attempts: 4, apiCallsUsed: 1, modelGaveUp: "needs a human" },
      failed,
      "give_up",
    ],
    [
      "at the threshold with no calls used yet it escalates",
      { attempts: 3, apiCallsUsed: 0 },
      failed,
      "escalate",
    ],
  ];

  it.each(table)("%s", (_name, facts, outcome, expected) => {
    const action = decide({ ...base, ...facts }, outcome, settings);
    expect(action.kind).toBe(expected);
    expect(action.reason.length).toBeGreaterThan(10);
  });

  it("gives up at once when the call budget is zero", () => {
    expect(decide({ ...base, attempts: 3 }, failed, { ...settings, apiCallBudget: 0 }).kind).toBe("give_up");
  });

  it("says why it gave up without an API, with what to set", () => {
    const action = decide({ ...base, attempts: 3, apiConfigured: false }, failed, settings);
    expect(action.reason).toContain("no API configured");
    expect(action.reason).toContain("OPENAI_API_KEY");
  });
});

describe("backoff", () => {
  it("doubles from the base and stops at five minutes", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoff(attempt, settings));
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it("never waits when the base is zero", () => {
    expect(backoff(4, { retryBackoffMs: 0, retryBackoffMaxMs: 300_000 })).toBe(0);
  });
});

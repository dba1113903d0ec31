import { describe, expect, it } from "vitest";
import { DEFAULT_POLL_INTERVAL_MS, pollUntil, StageError, stageEnvironment } from "./stage-context.ts";

describe("a step's waits", () => {
  it("poll at the real interval scaled by ORCHESTRATOR_TIME_SCALE", () => {
    expect(stageEnvironment("/w", {}, () => undefined).pollIntervalMs).toBe(DEFAULT_POLL_INTERVAL_MS);
    expect(stageEnvironment("/w", { ORCHESTRATOR_TIME_SCALE: "0.01" }, () => undefined).pollIntervalMs).toBe(
      50,
    );
  });

  it("end with the real reason once the step's wait budget is spent, however many polls are left", async () => {
    const lines: string[] = [];
    const stage = stageEnvironment(
      "/w",
      {
        ORCHESTRATOR_TIME_SCALE: "0.001",
        ORCHESTRATOR_POLL_ATTEMPTS: "1000000",
        ORCHESTRATOR_STEP_WAIT_BUDGET_MS: "20000",
      },
      (line) => lines.push(line),
    );
    let polls = 0;
    const waited = pollUntil(
      stage,
      "obs: HelmReleases Ready",
      async () => {
        polls++;
        return undefined;
      },
      () => "HelmRelease observability/kps is not Ready: install retries exhausted",
    );
    await expect(waited).rejects.toThrow(
      new StageError(
        "obs: HelmReleases Ready: HelmRelease observability/kps is not Ready: install retries exhausted",
      ),
    );
    expect(polls).toBeLessThan(1_000_000);
    expect(lines.at(-1)).toBe(
      `obs: HelmReleases Ready: stopped waiting after ${polls} polls: the step's wait budget is spent`,
    );
  });
});

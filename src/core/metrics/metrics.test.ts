import { describe, expect, it } from "vitest";
import { healthOf, renderMetrics, type StageFigures } from "./index.ts";

const STAGE: StageFigures = {
  stage: "talos",
  status: "give_up",
  attempts: 3,
  executorRuns: 2,
  apiCallsTotal: 4,
  tokens: { input: 1200, output: 300 },
  lastGreenSeconds: 1_795_000_000.5,
  fixes: { applied: 1, replayed: 0, reverted: 1, proposed: 0 },
};
const PASS = { passes: 2, skippedPasses: 0, running: true, everySeconds: 900 };

describe("the metrics text", () => {
  it("has one HELP and TYPE per family, one-hot stage status, and leaves out what is not known yet", () => {
    const text = renderMetrics({ stages: [STAGE], pass: PASS, notificationsFailed: 1 });
    expect(text.match(/^# TYPE orchestrator_stage_status gauge$/gm)).toHaveLength(1);
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="give_up"} 1\n');
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="awaiting_approval"} 0\n');
    expect(text).toContain('orchestrator_stage_last_green_timestamp_seconds{stage="talos"} 1795000000.5\n');
    expect(text).toContain('orchestrator_api_tokens_total{stage="talos",direction="output"} 300\n');
    expect(text).toContain('orchestrator_fixes_total{stage="talos",outcome="reverted"} 1\n');
    expect(text).toContain("orchestrator_pass_running 1\n");
    expect(text).not.toMatch(/^orchestrator_last_pass_timestamp_seconds /m);
    expect(text).toContain("orchestrator_notifications_failed_total 1\n");
  });

  it("gives a status it does not know a label of its own, reduced to a safe name", () => {
    const text = renderMetrics({
      stages: [{ ...STAGE, status: 'odd "one"' }],
      pass: PASS,
      notificationsFailed: 0,
    });
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="odd__one_"} 1\n');
  });
});

describe("health", () => {
  it("is healthy up to one interval plus the grace after the last sign of life", () => {
    const input = { lastBeatMs: 0, everyMs: 60_000, graceMs: 30_000 };
    expect(healthOf(input, 90_000).healthy).toBe(true);
    expect(healthOf(input, 90_001)).toEqual({
      healthy: false,
      reason: "no converge pass for 90s (expected one every 60s, allowing 30s more)",
    });
  });
});

import { describe, expect, it } from "vitest";
import { approvalFor, fixSourceKind } from "./approval.ts";
import { type PlanFacts, planNeedsChecks, planStage, wouldRun } from "./plan.ts";

describe("approvalFor", () => {
  it("runs every fix at once when nothing is set", () => {
    for (const source of ["memory", "playbook", "codex", "api"]) {
      expect(approvalFor(source, {}, undefined)).toBe("auto");
    }
  });

  it("takes the stage's rule for the source, then its default, then the global rule, then its default", () => {
    const global = { default: "auto", api: "propose", memory: "propose" } as const;
    expect(approvalFor("api", global, undefined)).toBe("propose");
    expect(approvalFor("codex", global, undefined)).toBe("auto");
    expect(approvalFor("api", global, { default: "auto" })).toBe("auto");
    expect(approvalFor("memory", global, { memory: "auto", default: "propose" })).toBe("auto");
    expect(approvalFor("command", global, { default: "propose" })).toBe("propose");
  });

  it("names every executor kind but the playbooks as executor", () => {
    expect(["codex", "openai-compatible", "command"].map(fixSourceKind)).toEqual([
      "executor",
      "executor",
      "executor",
    ]);
    expect(fixSourceKind("playbook")).toBe("playbook");
  });
});

const never: PlanFacts = {
  configured: true,
  status: undefined,
  statusReason: undefined,
  checks: undefined,
  checkCount: 1,
  fingerprint: undefined,
  untriedFixId: undefined,
  awaiting: [],
};

describe("planStage", () => {
  it("does nothing for a green stage whose checks pass, and runs it again when one fails", () => {
    const green = { ...never, status: "green", checks: [{ name: "up", passed: true, detail: "exit 0" }] };
    expect(planNeedsChecks(green)).toBe(true);
    expect(planStage(green)).toEqual({ action: "nothing", reason: "green, and its 1 check still passes" });
    const drifted = planStage({ ...green, checks: [{ name: "up", passed: false, detail: "exited 1" }] });
    expect(drifted).toMatchObject({
      action: "run",
      reason: 'drifted: check "up" exited 1; a run runs the stage again',
    });
  });

  it("runs a green stage without checks again, as convergeAll does", () => {
    expect(planStage({ ...never, status: "green", checkCount: 0 }).action).toBe("run");
    expect(planNeedsChecks({ ...never, status: "green", checkCount: 0 })).toBe(false);
  });

  it("names the remembered fix a failed stage would replay", () => {
    const step = planStage({ ...never, status: "failed", fingerprint: "ab12", untriedFixId: "fix-1" });
    expect(step).toMatchObject({ action: "replay_fix", fixId: "fix-1" });
    expect(wouldRun(step.action)).toBe(true);
  });

  it("waits for approval, or for a human, without running anything", () => {
    const waiting = planStage({
      ...never,
      status: "awaiting_approval",
      awaiting: [{ id: "vms-1", commit: "0123456789abcdef", source: "api" }],
    });
    expect(waiting).toMatchObject({ action: "awaiting_approval", proposalId: "vms-1" });
    expect(waiting.reason).toContain('"orchestrator approve vms-1"');
    for (const status of ["give_up", "needs_human"]) {
      const step = planStage({ ...never, status, statusReason: "no API configured" });
      expect(step.action).toBe("needs_human");
      expect(wouldRun(step.action)).toBe(false);
    }
    expect(planStage({ ...never, configured: false }).action).toBe("not_configured");
  });
});

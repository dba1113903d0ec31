import { afterEach, describe, expect, it } from "vitest";
import { convergeStage } from "./index.ts";
import { type LoopHarness, loopHarness, patched } from "./reconcile.fixture.ts";

const TUNNEL = "cloudflared: Invalid tunnel secret";
const SWITCH_OFF =
  'config/cluster.yaml: ingress.mode goes from "cloudflare-tunnel" to "none": that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off';

const harnesses: LoopHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) {
    harness.cleanup();
  }
});

describe("the gate before a stage runs with a fix that switches something off", () => {
  it("proposes it to a human with its reasons even where its source's fixes would run at once", async () => {
    const fix = { ...patched("codex"), switchOffs: [SWITCH_OFF] };
    const harness = loopHarness({
      runs: [{ error: TUNNEL }, { error: TUNNEL }, { green: true }],
      executor: [fix],
      settings: { approval: { default: "auto" }, executorRetryThreshold: 2, apiCallBudget: 0 },
    });
    harnesses.push(harness);
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome.status).toBe("awaiting_approval");
    expect(outcome.reason).toContain(`so only a human may let it run: ${SWITCH_OFF}`);
    expect(harness.proposals).toMatchObject([{ id: "vms-1", commit: fix.commit, switchOffs: [SWITCH_OFF] }]);
    const proposed = (await harness.state.readJournal()).find((event) => event.type === "fix_proposed");
    expect(proposed).toMatchObject({ switchOffs: [SWITCH_OFF] });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { explainEpisode, lastEpisode } from "../core/explain/index.ts";
import type { DeliveryPort } from "./context.ts";
import { convergeStage } from "./index.ts";
import { type LoopHarness, loopHarness, patched } from "./reconcile.fixture.ts";

const NOT_READY = "Error: HelmRelease observability/kps is not Ready: values don't meet the specifications";
const URL = "http://127.0.0.1:3000/lab/homelab/pull/7";

const harnesses: LoopHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) {
    harness.cleanup();
  }
});

function withDelivery(approval: "propose" | "auto", mergedAfterPolls: number | undefined) {
  const harness = loopHarness({
    runs: [{ error: NOT_READY }, { green: true }],
    executor: [patched("scripted", ["kubernetes/apps/observability/kps/helmrelease.yaml"])],
    escalations: [],
    settings: { executorRetryThreshold: 3, apiCallBudget: 3 },
  });
  harnesses.push(harness);
  let polls = 0;
  const delivery: DeliveryPort = {
    waitForMergeMs: 10 * 60_000,
    pollMs: 30_000,
    deliver: async () => ({ status: approval === "auto" ? "merged" : "open", pull: 7, url: URL, approval }),
    merged: async () => {
      polls++;
      return mergedAfterPolls !== undefined && polls >= mergedAfterPolls;
    },
  };
  harness.ctx.delivery = delivery;
  return { harness, polls: () => polls };
}

describe("a fix Flux must pull (delivery in the loop)", () => {
  it("under auto, runs the stage again once the forge merged the pull request, and turns green", async () => {
    const { harness, polls } = withDelivery("auto", undefined);
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 2 });
    expect(polls()).toBe(0);
    const told = explainEpisode("vms", lastEpisode(await harness.state.readJournal(), "vms"));
    expect(told).toContain(`opened pull request #7 (${URL}; approval: auto)`);
    expect(told).toContain("pull request #7 was merged through the forge's API");
  });

  it("under propose, waits for the human's merge without running the stage, then turns green", async () => {
    const { harness, polls } = withDelivery("propose", 3);
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 2 });
    expect(polls()).toBe(3);
    expect(harness.ran).toEqual(["vms", "vms"]);
  });

  it("sees a merge made during the last interval of the wait", async () => {
    const { harness, polls } = withDelivery("propose", 21);
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 2 });
    expect(polls()).toBe(21);
  });

  it("gives up naming the pull request when only a merge is missing, without a model call", async () => {
    const { harness, polls } = withDelivery("propose", undefined);
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "give_up", runs: 1 });
    expect(outcome.reason).toBe(
      `the fix is ready in pull request #7 (${URL}) and only a merge is missing: merge it into the branch Flux syncs, then run "orchestrator vms --reset"`,
    );
    expect(polls()).toBe(21);
    expect(harness.ran).toEqual(["vms"]);
    expect(harness.calls.filter((call) => call.startsWith("escalate"))).toEqual([]);
    expect((await harness.state.stageErrors("vms")).apiCallsTotal).toBe(0);
    expect(harness.issues()).toContain("pull request #7");
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { explainEpisode, lastEpisode } from "../core/explain/index.ts";
import { convergeAll } from "./index.ts";
import { type HarnessScript, type LoopHarness, loopHarness, patched } from "./reconcile.fixture.ts";

const CHECK = '    success_criteria: [{ name: ok, command: "true" }]';
const STAGES = `version: 1
stages:
  vms:
    command: ./vms.sh
    files: ["config/clusters/*.yaml"]
${CHECK}
  talos:
    command: ./talos.sh
    needs: [vms]
    files: ["talos/patches/**"]
${CHECK}
  ingress:
    command: ./ingress.sh
    needs: [talos]
    files: ["kubernetes/apps/network/**"]
${CHECK}
  apps:
    command: ./apps.sh
    needs: [ingress]
    files: ["kubernetes/apps/default/**"]
${CHECK}
  obs:
    command: ./obs.sh
    needs: [talos]
    files: ["kubernetes/apps/observability/**", "talos/patches/controller/**"]
${CHECK}
`;
const TARGET_DOWN = "Error: Prometheus targets down: kube-controller-manager (connection refused on 10257)";
const TUNNEL = 'Error: Register tunnel error from server side error="Unauthorized: Invalid tunnel secret"';

const harnesses: LoopHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) {
    harness.cleanup();
  }
});

function harnessFor(script: Omit<HarnessScript, "runs">): LoopHarness {
  const harness = loopHarness({ runs: [{ green: true }], contextMap: STAGES, ...script });
  harnesses.push(harness);
  return harness;
}

const statusesOf = (outcomes: { stage: string; status: string }[]) =>
  Object.fromEntries(outcomes.map((outcome) => [outcome.stage, outcome.status]));

describe("re-running what a fix feeds (convergeAll)", () => {
  it("re-runs talos before obs when obs's fix changes a Talos patch, and obs turns green", async () => {
    const fix = patched("scripted", ["talos/patches/controller/metrics.yaml"]);
    const harness = harnessFor({
      runsByStage: { obs: [{ error: TARGET_DOWN }, { green: true }] },
      executor: [fix],
    });
    const outcomes = await convergeAll(harness.ctx);
    expect(statusesOf(outcomes)).toEqual({
      vms: "green",
      talos: "green",
      ingress: "green",
      apps: "green",
      obs: "green",
    });
    expect(harness.ran).toEqual(["vms", "talos", "ingress", "apps", "obs", "talos", "obs"]);
    expect(harness.verified.map((entry) => entry.commit)).toEqual([fix.commit]);
    const journal = await harness.state.readJournal();
    expect(journal.filter((event) => event.type === "stage_files_changed")).toMatchObject([
      { stage: "talos", since: "head-0", files: ["talos/patches/controller/metrics.yaml"], for: "obs" },
    ]);
    expect(explainEpisode("talos", lastEpisode(journal, "talos"))).toContain(
      "its files changed since (talos/patches/controller/metrics.yaml), by a fix for obs: running it again before obs.",
    );
    // The next pass skips talos: its files are as they were at its last green run.
    harness.ran.length = 0;
    await convergeAll(harness.ctx);
    expect(harness.ran).toEqual([]);
  });

  it("runs a green stage again when its files changed since its last green run, and skips the others", async () => {
    const harness = harnessFor({});
    await convergeAll(harness.ctx);
    harness.ran.length = 0;
    harness.commit(["kubernetes/apps/network/tunnel.yaml", "README.md"]);
    const outcomes = await convergeAll(harness.ctx);
    expect(harness.ran).toEqual(["ingress"]);
    expect(outcomes.find((outcome) => outcome.stage === "ingress")).toMatchObject({
      status: "green",
      runs: 1,
    });
    expect(outcomes.find((outcome) => outcome.stage === "vms")).toMatchObject({
      status: "green",
      reason: "checks still pass",
      runs: 0,
    });
  });

  it("after a give_up, still runs the stages that do not need the failed one", async () => {
    const harness = harnessFor({
      runsByStage: { ingress: [{ error: TUNNEL }] },
      settings: { executorRetryThreshold: 1, apiCallBudget: 0 },
    });
    const outcomes = await convergeAll(harness.ctx);
    expect(statusesOf(outcomes)).toEqual({
      vms: "green",
      talos: "green",
      ingress: "give_up",
      apps: "give_up",
      obs: "green",
    });
    expect(outcomes.find((outcome) => outcome.stage === "apps")).toMatchObject({
      reason: "needs ingress, which is not green",
      runs: 0,
    });
    expect(harness.ran).toEqual(["vms", "talos", "ingress", "obs"]);
  });

  it("stops obs when talos, run again for obs's fix, does not turn green", async () => {
    const harness = harnessFor({
      runsByStage: {
        talos: [{ green: true }, { error: "Error: talos/patches/controller/metrics.yaml: invalid patch" }],
        obs: [{ error: TARGET_DOWN }],
      },
      executor: [patched("scripted", ["talos/patches/controller/metrics.yaml"])],
      settings: { executorRetryThreshold: 2, apiCallBudget: 0 },
    });
    const outcomes = await convergeAll(harness.ctx);
    expect(outcomes.find((outcome) => outcome.stage === "obs")).toMatchObject({
      status: "give_up",
      reason: expect.stringMatching(/^the fix changed the files of talos, which ran again and is not green/),
    });
    expect(harness.ran).toEqual(["vms", "talos", "ingress", "apps", "obs", "talos", "talos"]);
    expect((await harness.state.stageStatuses())["talos"]?.status).toBe("give_up");
  });
});

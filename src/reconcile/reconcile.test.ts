import { afterEach, describe, expect, it } from "vitest";
import { explainEpisode, lastEpisode } from "../core/explain/index.ts";
import {
  approveProposal,
  convergeAll,
  convergeStage,
  rejectProposal,
  resetStage,
  stageEnv,
} from "./index.ts";
import { type HarnessScript, type LoopHarness, loopHarness, patched } from "./reconcile.fixture.ts";

const STORAGE = "Error: storage 'local-lvm' does not exist on node pve";
const BRIDGE = "Error: bridge 'vmbr1' does not exist on node pve";
const DISK = "Error: install disk /dev/vda not found on node 10.0.0.11";

const harnesses: LoopHarness[] = [];
afterEach(() => {
  for (const harness of harnesses.splice(0)) {
    harness.cleanup();
  }
});

function harnessFor(script: HarnessScript): LoopHarness {
  const harness = loopHarness(script);
  harnesses.push(harness);
  return harness;
}

async function story(harness: LoopHarness): Promise<string> {
  return explainEpisode("vms", lastEpisode(await harness.state.readJournal(), "vms"));
}

describe("the loop (convergeStage) with in-memory ports", () => {
  it("ends an episode that keeps trading one error for another at its bound, and says so", async () => {
    // Every fix turns the error into another one, never the same twice.
    const components =
      "storage bridge disk kubelet etcd apiserver scheduler cilium coredns flux helm tunnel certificate ingress prometheus grafana loki vector".split(
        " ",
      );
    const harness = harnessFor({
      runs: components.map((component) => ({ error: `Error: ${component} is not ready` })),
      executor: Array.from({ length: 200 }, () => patched("scripted")),
      settings: { executorRetryThreshold: 3, apiCallBudget: 0 },
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    const maxRuns = (3 + 0 + 1) * 4;
    expect(outcome).toMatchObject({ status: "give_up", runs: maxRuns });
    expect(outcome.reason).toBe(
      `ran ${maxRuns} times in this episode without converging; the error: Error: grafana is not ready`,
    );
    expect((await harness.state.stageStatuses())["vms"]?.status).toBe("give_up");
    expect(await story(harness)).toContain(
      `gave up: ran ${maxRuns} times in this episode without converging; the error: Error: grafana is not ready.`,
    );
  });

  it("keeps a patch after which a different error follows, and counts it verified once green", async () => {
    const first = patched("scripted");
    const second = patched("scripted");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: BRIDGE }, { green: true }],
      executor: [first, second],
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "green", runs: 3 });
    expect(harness.reverted).toEqual([]);
    expect(harness.verified.map((entry) => entry.commit)).toEqual([first.commit, second.commit]);
    const errors = await harness.state.stageErrors("vms");
    expect(errors.executorRuns).toBe(2);
    expect(errors.attempts).toEqual({});
    const told = await story(harness);
    expect(told).toContain(`kept ${first.commit.slice(0, 10)}: a different error followed`);
    expect(told).toContain("the scripted executor ran: scripted committed");
    expect(told).toContain(`${second.commit.slice(0, 10)} (source: scripted) made the stage green`);
    expect(told.trimEnd().endsWith("Where it stands: green.")).toBe(true);
  });

  it("reverts a patch after which the same error comes back", async () => {
    const bad = patched("scripted");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }, { green: true }],
      executor: [bad, { kind: "no_change", summary: "nothing to change" }],
    });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 3 });
    expect(harness.reverted).toEqual([bad.commit]);
    expect(harness.verified).toEqual([]);
    const told = await story(harness);
    expect(told).toContain(
      `reverted ${bad.commit.slice(0, 10)}: tried, did not help: the same error came back.`,
    );
    expect(told).toContain("Where it stands: green.");
  });

  it("replays a remembered fix before any executor, and demotes it when the same error comes back", async () => {
    const replay = patched("memory");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }, { green: true }],
      rememberedFor: { "local-lvm": "fix-storage" },
      replays: [replay],
      executor: [patched("scripted")],
    });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 3 });
    expect(harness.calls[0]).toBe("replay fix-storage");
    expect(harness.calls[1]).toMatch(/^executor /);
    expect(harness.reverted).toEqual([replay.commit]);
    expect(harness.demoted).toEqual(["fix-storage"]);
    const errors = await harness.state.stageErrors("vms");
    expect(errors.executorRuns).toBe(1);
    const told = await story(harness);
    expect(told).toContain("replayed the remembered fix fix-storage before asking anyone");
    expect(told).toContain("the remembered fix fix-storage counted one failure: tried, did not help");
  });

  it("counts a replayed fix that makes the stage green as one more success of that fix", async () => {
    const replay = patched("memory");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { green: true }],
      rememberedFor: { "local-lvm": "fix-storage" },
      replays: [replay],
    });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 2 });
    expect(harness.verified).toEqual([{ commit: replay.commit, fixId: "fix-storage" }]);
    expect(await story(harness)).toContain(
      "the remembered fix fix-storage replayed, made the stage green again",
    );
  });

  it("escalates at the threshold, counts every call itself, and applies the model's patch", async () => {
    const fix = patched("api");
    const harness = harnessFor({
      runs: [{ error: DISK }, { error: DISK }, { error: DISK }, { green: true }],
      settings: { executorRetryThreshold: 3, apiCallBudget: 3 },
      escalations: [{ outcome: fix, calls: 2 }],
    });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 4 });
    expect(harness.calls).toEqual(["escalate (3 calls left)"]);
    const errors = await harness.state.stageErrors("vms");
    expect(errors.apiCallsTotal).toBe(2);
    expect(errors.tokens).toEqual({ input: 2000, output: 200 });
    const told = await story(harness);
    expect(told).toContain("asked the model (scripted-model, 1 request, 1100 tokens)");
    expect(told).toContain(`${fix.commit.slice(0, 10)} (source: api) made the stage green`);
  });

  it("gives up when the budget is spent, with the case folder and a redacted entry in ai/issues.txt", async () => {
    const harness = harnessFor({
      runs: [{ error: `${DISK} token=hunter2-secret-token` }],
      settings: { executorRetryThreshold: 1, apiCallBudget: 2 },
      escalations: [
        { outcome: { kind: "no_patch", reason: "the API call budget for this error is spent" }, calls: 2 },
      ],
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome.status).toBe("give_up");
    // The reason quotes the cause line, redacted.
    expect(outcome.reason).toBe(
      "escalation ended without a usable patch after 2 API calls: the API call budget for this error is spent; the error: Error: install disk /dev/vda not found on node 10.0.0.11 token=[REDACTED]",
    );
    expect(harness.issues()).toContain("case folder: ai/escalations/vms/case-1");
    expect(harness.issues()).not.toContain("hunter2-secret-token");
    const told = await story(harness);
    expect(told).toContain("Where it stands: give_up — escalation ended without a usable patch");
    expect(told).toContain("The case file is in ai/escalations/vms/case-1.");
  });

  it("without an API, writes a case file for a human and gives up at the threshold", async () => {
    const harness = harnessFor({ runs: [{ error: DISK }], settings: { executorRetryThreshold: 2 } });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "give_up", runs: 2 });
    expect(harness.calls).toEqual(["write case file"]);
    expect(await story(harness)).toContain("wrote a case file for a human to ai/escalations/vms/case-0");
  });

  it("stops at once for a human when the stage exits 78 (a configuration error): no retry, executor or model", async () => {
    const harness = harnessFor({
      runs: [
        {
          error: "PROXMOX_TOKEN_SECRET is not set: export it or put it in ~/.config/homelab/proxmox-token",
          exitCode: 78,
        },
      ],
      executor: [patched("scripted")],
      escalations: [{ outcome: patched("api"), calls: 1 }],
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "needs_human", runs: 1 });
    expect(outcome.reason).toBe(
      "the stage said only a person can fix this (exit 78, a configuration no change to the repo repairs): PROXMOX_TOKEN_SECRET is not set: export it or put it in ~/.config/homelab/proxmox-token",
    );
    expect(harness.calls).toEqual([]);
    expect((await harness.state.stageStatuses())["vms"]?.status).toBe("needs_human");
    const errors = await harness.state.stageErrors("vms");
    expect(errors.attempts).toEqual({});
    const told = await story(harness);
    expect(told).toContain("> PROXMOX_TOKEN_SECRET is not set");
    expect(told).toContain("Where it stands: needs_human");
  });

  it("stops when interrupted, leaving the stage failed (not running) and its counts saved", async () => {
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }],
      beforeRun: (run, self) => {
        if (run === 2) {
          self.abort();
        }
      },
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "interrupted", runs: 2 });
    const status = (await harness.state.stageStatuses())["vms"];
    expect(status?.status).toBe("failed");
    expect(status?.reason).toMatch(/interrupted/);
    expect((await harness.state.stageErrors("vms")).attempts).toMatchObject({});
    expect(await story(harness)).toContain(
      'Where it stands: not green yet; run "orchestrator vms" to continue.',
    );
  });

  it("runs a green stage again in `all` when it has no checks to show it is still green", async () => {
    const harness = harnessFor({ runs: [{ green: true }] });
    await harness.state.setStageStatus("vms", { status: "green", since: "2026-11-28T10:00:00.000Z" });
    const outcomes = await convergeAll(harness.ctx);
    expect(outcomes).toEqual([
      {
        stage: "vms",
        status: "green",
        reason: "the command exited 0 and every success check passed",
        runs: 1,
      },
    ]);
    expect((await harness.state.readJournal()).filter((event) => event.type === "stage_run")).toHaveLength(1);
  });

  it("runs stages without the tool's own model keys in their environment", () => {
    const harness = harnessFor({ runs: [{ green: true }] });
    harness.ctx.env = {
      PATH: "/usr/bin",
      OPENAI_API_KEY: "sk-test",
      EXECUTOR_API_KEY: "k",
      PROXMOX_TOKEN_SECRET: "s",
    };
    const env = stageEnv(harness.ctx);
    expect(env["OPENAI_API_KEY"]).toBeUndefined();
    expect(env["EXECUTOR_API_KEY"]).toBeUndefined();
    // The stage's own credentials stay: it needs them to do its work.
    expect(env["PROXMOX_TOKEN_SECRET"]).toBe("s");
    expect(env["ORCHESTRATOR_REPO_ROOT"]).toBe(harness.root);
  });
});

describe("propose, then approve (the loop with in-memory ports)", () => {
  it("commits a fix whose source is set to propose but does not run the stage with it", async () => {
    const fix = patched("codex");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { green: true }],
      executor: [fix],
      settings: { approval: { default: "auto", executor: "propose" } },
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome).toMatchObject({ status: "awaiting_approval", runs: 1 });
    expect(outcome.reason).toContain('"orchestrator approve vms-1"');
    expect(harness.proposals).toMatchObject([
      { id: "vms-1", commit: fix.commit, source: "codex", status: "awaiting" },
    ]);
    const status = (await harness.state.stageStatuses())["vms"];
    expect(status).toMatchObject({ status: "awaiting_approval", proposalId: "vms-1" });
    // Asked again, the loop still does not run the stage: that would run the unapproved fix.
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "awaiting_approval", runs: 0 });
    const runs = (await harness.state.readJournal()).filter((event) => event.type === "stage_run");
    expect(runs).toHaveLength(1);
    expect(await story(harness)).toContain(
      'Where it stands: awaiting_approval — run "orchestrator approve vms-1"',
    );
    // Not even a reset runs the fix unapproved: only approve or reject ends the wait.
    await resetStage(harness.ctx, "vms");
    const afterReset = await convergeStage(harness.ctx, "vms");
    expect(afterReset).toMatchObject({ status: "awaiting_approval", runs: 0 });
    expect(afterReset.reason).toContain('"orchestrator reject vms-1" reverts it');
  });

  it("runs the stage with an approved fix, and remembers it once the stage is green", async () => {
    const fix = patched("api");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { green: true }],
      executor: [fix],
      settings: { approval: { default: "propose" } },
    });
    await convergeStage(harness.ctx, "vms");
    const outcome = await approveProposal(harness.ctx, "vms-1");
    expect(outcome).toMatchObject({ status: "green", runs: 1 });
    expect(harness.verified).toEqual([{ commit: fix.commit, fixId: undefined }]);
    expect(harness.proposals[0]?.status).toBe("approved");
    expect(harness.reverted).toEqual([]);
    const told = await story(harness);
    expect(told).toContain(`a human approved proposal vms-1 (${fix.commit.slice(0, 10)})`);
    expect(told).toContain(`${fix.commit.slice(0, 10)} (source: api) made the stage green`);
    await expect(approveProposal(harness.ctx, "vms-1")).rejects.toThrow(
      "proposal vms-1 was already approved",
    );
  });

  it("reverts an approved fix after which the same error comes back", async () => {
    const fix = patched("codex");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }],
      executor: [fix, { kind: "no_change", summary: "nothing else to try" }],
      settings: { approval: { executor: "propose" }, executorRetryThreshold: 2, apiCallBudget: 0 },
    });
    await convergeStage(harness.ctx, "vms");
    const outcome = await approveProposal(harness.ctx, "vms-1");
    expect(outcome.status).toBe("give_up");
    expect(harness.reverted).toEqual([fix.commit]);
    expect(harness.verified).toEqual([]);
  });

  it("reverts a rejected remembered fix and never replays or proposes it again for that error", async () => {
    const replay = patched("memory");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }, { green: true }],
      rememberedFor: { "local-lvm": "fix-storage" },
      replays: [replay, replay],
      executor: [patched("codex")],
      settings: { approval: { memory: "propose" } },
    });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "awaiting_approval" });
    expect(harness.proposals[0]).toMatchObject({ fixId: "fix-storage", source: "memory" });
    const { revert } = await rejectProposal(harness.ctx, "vms-1");
    expect(revert).toBe(`revert-of-${replay.commit}`);
    expect(harness.reverted).toEqual([replay.commit]);
    expect((await harness.state.stageStatuses())["vms"]?.status).toBe("failed");
    // A fresh episode (as after a reset) would replay the fix first; the rejection rules it out.
    await harness.state.setStageErrors("vms", {
      ...(await harness.state.stageErrors("vms")),
      triedFixes: [],
    });
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome.status).toBe("green");
    expect(harness.calls.filter((call) => call.startsWith("replay"))).toEqual(["replay fix-storage"]);
    expect(harness.calls.some((call) => call.startsWith("executor"))).toBe(true);
    expect(harness.proposals).toHaveLength(1);
    expect(await story(harness)).toContain("a human rejected proposal vms-1");
  });

  it("reverts at once a fix that repeats one a human rejected for the same error", async () => {
    const fix = patched("codex");
    const harness = harnessFor({
      runs: [{ error: STORAGE }, { error: STORAGE }, { error: STORAGE }],
      executor: [fix, fix],
      settings: { approval: { executor: "propose" }, executorRetryThreshold: 3, apiCallBudget: 0 },
    });
    await convergeStage(harness.ctx, "vms");
    await rejectProposal(harness.ctx, "vms-1");
    const outcome = await convergeStage(harness.ctx, "vms");
    expect(outcome.status).toBe("give_up");
    expect(harness.proposals).toHaveLength(1);
    expect(harness.reverted).toEqual([fix.commit, fix.commit]);
    const journal = await harness.state.readJournal();
    expect(journal.filter((event) => event.type === "patch_reverted").map((event) => event.reason)).toEqual([
      "rejected by a human (proposal vms-1)",
      "a human rejected the same fix for this error (proposal vms-1)",
    ]);
  });

  it("runs fixes at once by default, as before", async () => {
    const harness = harnessFor({ runs: [{ error: STORAGE }, { green: true }], executor: [patched("codex")] });
    expect(await convergeStage(harness.ctx, "vms")).toMatchObject({ status: "green", runs: 2 });
    expect(harness.proposals).toEqual([]);
  });
});

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LockHeldError } from "../../errors/index.ts";
import { StateStore } from "./index.ts";

async function store() {
  const root = await mkdtemp(join(tmpdir(), "state-"));
  const state = new StateStore(root);
  await state.ensure();
  return state;
}

describe("StateStore", () => {
  it("keeps fields it does not know when it rewrites a stage", async () => {
    const state = await store();
    await writeFile(
      state.path("stageStatus"),
      JSON.stringify({
        version: 1,
        future: "kept",
        stages: { talos: { status: "green", since: "x", extra: 1 } },
      }),
    );
    const entries = await state.stageStatuses();
    await state.setStageStatus("talos", { ...entries["talos"]!, status: "failed" });
    const written = JSON.parse(await readFile(state.path("stageStatus"), "utf8"));
    expect(written.stages.talos).toMatchObject({ status: "failed", extra: 1 });
  });

  it("drops a stage entry without a valid status, with a warning instead of failing", async () => {
    const state = await store();
    await writeFile(
      state.path("stageStatus"),
      JSON.stringify({
        version: 1,
        stages: { talos: { status: "exploded", since: "x" }, vms: { status: "green", since: "x" } },
      }),
    );
    expect(Object.keys(await state.stageStatuses())).toEqual(["vms"]);
    expect(state.warnings.join("\n")).toContain('dropped the unreadable entry for stage "talos"');
  });

  it("reads a field of the wrong type as its default and keeps the rest", async () => {
    const state = await store();
    await writeFile(
      state.path("errors"),
      JSON.stringify({
        version: 1,
        stages: { talos: { attempts: "many", apiCalls: { abc: 2 }, executorRuns: "x" } },
      }),
    );
    const talos = await state.stageErrors("talos");
    expect(talos).toMatchObject({ attempts: {}, apiCalls: { abc: 2 }, executorRuns: 0, history: [] });
  });

  it("only reports an unreadable file when opened read-only, and leaves it in place", async () => {
    const state = await store();
    await writeFile(state.path("stageStatus"), "{oops");
    const reader = new StateStore(state.repoRoot, { readOnly: true });
    expect(await reader.stageStatuses()).toEqual({});
    expect(reader.warnings[0]).toContain("the next run sets it aside");
    expect(await readFile(state.path("stageStatus"), "utf8")).toBe("{oops");
  });

  it("sets a corrupt state file aside and starts afresh", async () => {
    const state = await store();
    await writeFile(state.path("stageStatus"), '{"version":1,"stages":{"tal');
    expect(await state.stageStatuses()).toEqual({});
    expect(state.warnings[0]).toMatch(/could not be read; kept it as .*unreadable/);
  });

  it("keeps the spend when errors.json is unreadable: set aside, said, journaled, and counted again from the journal", async () => {
    const state = await store();
    const usage = { inputTokens: 900, outputTokens: 100 };
    await state.journal({
      type: "api_call",
      stage: "talos",
      caseDir: "c",
      requests: 2,
      answer: "patch",
      usage,
      model: "m",
    });
    await state.journal({
      type: "executor_run",
      stage: "talos",
      executor: "playbook",
      outcome: "no_change",
      summary: "s",
      apiRequests: 0,
    });
    await writeFile(state.path("errors"), "{ not json");
    const errors = await state.stageErrors("talos");
    expect(errors).toMatchObject({ apiCallsTotal: 2, executorRuns: 1, tokens: { input: 900, output: 100 } });
    expect(state.warnings.join("\n")).toMatch(/errors\.json could not be read; kept it as .*unreadable-\d+/);
    expect((await state.readJournal()).map((event) => event.type)).toContain("state_file_set_aside");
    expect(JSON.parse(await readFile(state.path("errors"), "utf8")).stages.talos.apiCallsTotal).toBe(2);
  });

  it("skips a journal line cut short by a crash", async () => {
    const state = await store();
    await state.journal({ type: "run_started", target: "all" });
    await writeFile(state.path("journal"), `${await readFile(state.path("journal"), "utf8")}{"type":"st`);
    await state.journal({ type: "run_finished", target: "all", outcomes: [] });
    const events = await state.readJournal();
    expect(events.map((e) => e.type)).toEqual(["run_started"]);
  });
});

describe("the run lock", () => {
  it("refuses a second holder while the first is alive", async () => {
    const state = await store();
    const held = await state.lock("talos");
    await expect(state.lock("talos")).rejects.toBeInstanceOf(LockHeldError);
    await held.release();
    const again = await state.lock("talos");
    await again.release();
  });

  it("takes over a lock whose process is gone and says whose it was", async () => {
    const state = await store();
    const child = spawn("true");
    await new Promise((resolve) => child.on("exit", resolve));
    const { hostname } = await import("node:os");
    await writeFile(
      state.path("lock"),
      JSON.stringify({ pid: child.pid, host: hostname(), since: "earlier" }),
    );
    const held = await state.lock("all");
    expect(held.takenOverFrom?.pid).toBe(child.pid);
    await held.release();
  });

  it("takes over a lock whose pid now belongs to another process (the pid was reused)", async () => {
    const state = await store();
    const { hostname } = await import("node:os");
    // pid 1 is alive, but it did not start at tick 1: it is not the run that wrote this lock.
    await writeFile(
      state.path("lock"),
      JSON.stringify({ pid: 1, host: hostname(), since: "earlier", startTicks: 1 }),
    );
    const held = await state.lock("all");
    expect(held.takenOverFrom?.pid).toBe(1);
    await held.release();
  });

  it("takes over an old lock (no start time) whose live pid is not an orchestrator", async () => {
    const state = await store();
    const { hostname } = await import("node:os");
    await writeFile(state.path("lock"), JSON.stringify({ pid: 1, host: hostname(), since: "earlier" }));
    const held = await state.lock("all");
    expect(held.takenOverFrom?.pid).toBe(1);
    await held.release();
  });

  it("still refuses a lock whose live holder has the start time it recorded", async () => {
    const state = await store();
    const held = await state.lock("talos");
    const recorded = JSON.parse(await readFile(state.path("lock"), "utf8"));
    expect(recorded.startTicks).toEqual(expect.any(Number));
    await expect(state.lock("talos")).rejects.toBeInstanceOf(LockHeldError);
    await held.release();
  });

  it("says in one line that a folder stands where the lock file should be", async () => {
    const state = await store();
    await mkdir(state.path("lock"), { recursive: true });
    await expect(state.lock("all")).rejects.toThrow(
      /ai\/state\/lock is a folder, not the orchestrator's lock file: remove it/,
    );
  });

  it("takes over a lock file left empty by a crash", async () => {
    const state = await store();
    await writeFile(state.path("lock"), "");
    const held = await state.lock("all");
    expect(held.takenOverFrom).toBeDefined();
    await held.release();
  });

  it("keeps reasons and summaries from outside free of terminal escapes in the journal and the stage files", async () => {
    const state = await store();
    const hostile = "exit 1: \u001b]52;c;ZXZpbA==\u0007\u001b[2J\u0000disk full";
    await state.journal({
      type: "decision",
      stage: "apps",
      fingerprint: "f",
      action: "retry",
      reason: hostile,
    });
    await state.setStageStatus("apps", { status: "failed", since: "x", reason: hostile });
    for (const name of ["journal", "stageStatus"] as const) {
      const text = await readFile(state.path(name), "utf8");
      expect(text).toContain("exit 1: disk full");
      expect(text).not.toMatch(/\\u00(1b|07|00)/);
    }
    expect((await state.readJournal())[0]).toMatchObject({ reason: "exit 1: disk full" });
    await state.appendIssue(`## apps give_up\n- error: ${hostile}`);
    expect(await readFile(join(state.repoRoot, "ai", "issues.txt"), "utf8")).toBe(
      "## apps give_up\n- error: exit 1: disk full\n",
    );
  });
});

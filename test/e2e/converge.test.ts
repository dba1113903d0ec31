import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, collect, runCli, stateFile, testEnv } from "../helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../helpers/homelab-repo.ts";

async function waitFor(condition: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (condition()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const logCount = (repo: string, stage: string) =>
  existsSync(join(repo, "ai", "logs", stage)) ? readdirSync(join(repo, "ai", "logs", stage)).length : 0;

/** A stage whose check passes while a marker file exists outside the repo. */
function driftingRepo(marker: string) {
  return makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      [
        "  vms:",
        `    command: touch ${marker}`,
        "    success_criteria:",
        `      - { name: marker present, command: test -e ${marker} }`,
        "  talos:",
        "    command: echo bootstrapped",
      ].join("\n"),
    ),
  });
}

describe("all", () => {
  it("skips a green stage whose checks still pass, and re-runs one that drifted", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "marker-")), "marker");
    const repo = driftingRepo(marker);
    expect((await runCli(["all"], repo)).code).toBe(0);
    expect(logCount(repo, "vms")).toBe(1);
    const again = await runCli(["all"], repo);
    expect(again.stderr).toContain("green, and its checks still pass: skipped");
    expect(logCount(repo, "vms")).toBe(1);
    rmSync(marker);
    const drifted = await runCli(["all"], repo);
    expect(drifted.code).toBe(0);
    expect(drifted.stderr).toContain('drift: check "marker present"');
    expect(logCount(repo, "vms")).toBe(2);
  });

  it("after a give_up, runs nothing that needs the failed stage, and still runs what does not", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  vms:\n    command: exit 1\n  talos:\n    command: echo never\n    needs: [vms]\n  apps:\n    command: echo independent",
      ),
    });
    const result = await runCli(["all"], repo);
    expect(result.code).toBe(1);
    expect(logCount(repo, "talos")).toBe(0);
    expect(logCount(repo, "apps")).toBe(1);
    expect(result.stdout).toContain("talos: give_up — needs vms, which is not green");
  });
});

describe("converge", () => {
  it("keeps converging: notices drift on a later pass and re-runs the stage, until stopped", async () => {
    const marker = join(mkdtempSync(join(tmpdir(), "marker-")), "marker");
    const repo = driftingRepo(marker);
    const child = spawn(process.execPath, [CLI, "converge", "--every", "1s"], { cwd: repo, env: testEnv() });
    const done = collect(child);
    await waitFor(() => logCount(repo, "talos") === 1, "the first pass");
    rmSync(marker);
    await waitFor(() => logCount(repo, "vms") === 2, "the drifted stage to run again");
    child.kill("SIGTERM");
    const result = await done;
    expect(result.stdout).toMatch(/pass 1: vms=green talos=green/);
    expect(readFileSync(stateFile(repo, "journal.jsonl"), "utf8")).toContain('"type":"drift"');
  });
});

describe("Ctrl-C", () => {
  it("stops the stage with its whole process tree, records it, and exits 130", async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "pid-")), "grandchild.pid");
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(`  talos:\n    command: sleep 60 & echo $! > ${pidFile}; wait`),
    });
    const child = spawn(process.execPath, [CLI, "talos"], { cwd: repo, env: testEnv() });
    const done = collect(child);
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      "the stage to start",
    );
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !running(grandchild), "the grandchild to end");
    const status = JSON.parse(readFileSync(stateFile(repo, "stage_status.json"), "utf8")).stages.talos;
    expect(status.status).toBe("failed");
    expect(status.reason).toContain("interrupted");
    expect(status.lastRun.interrupted).toBe(true);
  });
});

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("a second Ctrl-C", () => {
  it("quits at once and still ends the stage's process tree, which ignores SIGTERM", async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), "pid-")), "stubborn.pid");
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        `  talos:\n    command: trap '' TERM; echo $$ > ${pidFile}; while true; do sleep 0.1; done`,
      ),
    });
    const child = spawn(process.execPath, [CLI, "talos"], { cwd: repo, env: testEnv() });
    const done = collect(child);
    await waitFor(
      () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      "the stage to start",
    );
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    const stubborn = Number(readFileSync(pidFile, "utf8"));
    await waitFor(() => !running(stubborn), "the stubborn stage to end");
  });
});

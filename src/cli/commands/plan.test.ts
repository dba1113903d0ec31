import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInProcess, stateFile, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

/**
 * A stage whose command leaves a mark outside the repo (so a run, and only a run, shows), and
 * whose one check passes while a flag file exists.
 */
function homelab() {
  const outside = mkdtempSync(join(tmpdir(), "plan-"));
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      [
        "  vms:",
        '    command: touch "$MARK_DIR/ran"; touch "$MARK_DIR/healthy"',
        "    success_criteria:",
        "      - name: vm-healthy",
        '        command: test -f "$MARK_DIR/healthy"',
        "  talos:",
        "    command: echo bootstrap",
        "  apps: {}",
      ].join("\n"),
    ),
  });
  folders.push(outside, repo);
  // An executor and a model that would leave a mark too, were plan ever to call them.
  const env = testEnv({
    MARK_DIR: outside,
    EXECUTOR: "command",
    EXECUTOR_COMMAND: `touch ${join(outside, "executor-ran")}`,
    OPENAI_API_KEY: "sk-test-plan-never-calls",
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  });
  return {
    repo,
    outside,
    ran: join(outside, "ran"),
    healthy: join(outside, "healthy"),
    cli: (args: string[]) => runInProcess(args, repo, { env }),
  };
}

function stageRuns(repo: string): number {
  const path = stateFile(repo, "journal.jsonl");
  if (!existsSync(path)) {
    return 0;
  }
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.includes('"type":"stage_run"')).length;
}

describe("orchestrator plan", () => {
  it("says a never-run stage would run, exits 1, and runs no stage command", async () => {
    const { repo, ran, cli } = homelab();
    const result = await cli(["plan"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^vms +run the stage +never run: a run runs the stage$/m);
    expect(result.stdout).toMatch(/^apps +skip +no command in ai\/context_map\.yaml/m);
    expect(result.stdout).toContain("A run would run the stages marked above.");
    expect(existsSync(ran)).toBe(false);
    expect(stageRuns(repo)).toBe(0);
    expect(existsSync(stateFile(repo, "stage_status.json"))).toBe(false);
  });

  it("says nothing would run for a green stage whose checks pass, and exits 0", async () => {
    const { repo, ran, cli } = homelab();
    expect((await cli(["vms"])).code).toBe(0);
    unlinkSync(ran);
    const result = await cli(["plan", "vms"]);
    expect(result.stdout).toMatch(/^vms +nothing +green, and its 1 check still passes$/m);
    expect(result.stdout).toContain("Nothing would run");
    expect(result.code).toBe(0);
    expect(existsSync(ran)).toBe(false);
    expect(stageRuns(repo)).toBe(1);
  });

  it("runs a green stage's checks and says it drifted when one fails, in JSON too", async () => {
    const { repo, healthy, ran, cli } = homelab();
    await cli(["vms"]);
    unlinkSync(healthy);
    unlinkSync(ran);
    const result = await cli(["plan", "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.wouldRun).toBe(true);
    expect(report.stages[0]).toMatchObject({
      stage: "vms",
      status: "green",
      action: "run",
      checks: [{ name: "vm-healthy", passed: false }],
    });
    expect(report.stages[0].reason).toMatch(/^drifted: check "vm-healthy" /);
    // talos has no checks: a green talos would run again; never run, it runs anyway.
    expect(report.stages[1]).toMatchObject({ stage: "talos", status: "never run", action: "run" });
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(healthy)).toBe(false);
    expect(stageRuns(repo)).toBe(1);
  });

  it("says a failed stage would replay a remembered fix for its error, without replaying it", async () => {
    const { repo, outside, cli } = homelab();
    mkdirSync(join(repo, "ai", "state"), { recursive: true });
    writeFileSync(
      stateFile(repo, "stage_status.json"),
      JSON.stringify({
        version: 1,
        stages: { vms: { status: "failed", since: "2026-11-29T10:00:00Z", reason: "exit 1" } },
      }),
    );
    writeFileSync(
      stateFile(repo, "errors.json"),
      JSON.stringify({
        version: 1,
        stages: {
          vms: {
            fingerprint: "aaaa000011112222",
            exact: "bbbb000011112222",
            attempts: { aaaa000011112222: 1 },
          },
        },
      }),
    );
    writeFileSync(
      stateFile(repo, "fixes.json"),
      JSON.stringify({
        version: 1,
        fixes: [
          {
            id: "fix-storage",
            stage: "vms",
            fingerprints: [{ template: "aaaa000011112222", exact: "bbbb000011112222" }],
            patch: "diff --git a/x b/x\n",
            files: ["x"],
            fileHashes: {},
            source: "codex",
            commit: "abc",
            createdAt: "2026-11-28T10:00:00Z",
          },
        ],
      }),
    );
    const before = readFileSync(stateFile(repo, "fixes.json"), "utf8");
    const result = await cli(["plan", "vms", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).stages[0]).toMatchObject({ action: "replay_fix", fixId: "fix-storage" });
    expect(readFileSync(stateFile(repo, "fixes.json"), "utf8")).toBe(before);
    expect(stageRuns(repo)).toBe(0);
    expect(existsSync(join(outside, "executor-ran"))).toBe(false);
    expect(existsSync(stateFile(repo, "journal.jsonl"))).toBe(false);
  });

  it("says the stages after one awaiting approval are not reached, and exits 0 when nothing would run", async () => {
    const { repo, ran, cli } = homelab();
    mkdirSync(join(repo, "ai", "state"), { recursive: true });
    writeFileSync(
      stateFile(repo, "proposals.json"),
      JSON.stringify({
        version: 1,
        proposals: [
          {
            id: "vms-1",
            stage: "vms",
            commit: "5cef32129c0000000000000000000000000000aa",
            source: "api",
            fingerprint: { template: "aaaa000011112222", exact: "bbbb000011112222" },
            summary: "use the ZFS pool",
            status: "awaiting",
            createdAt: "2026-11-29T10:00:00Z",
          },
        ],
      }),
    );
    const result = await cli(["plan"]);
    expect(result.stdout).toMatch(/^vms +await approval +fix 5cef32129c \(source: api\) was proposed/m);
    expect(result.stdout).toMatch(
      /^talos +not reached +not reached: a run of all stages stops at vms, which awaits approval$/m,
    );
    expect(result.stdout).toContain("proposal vms-1 (vms, 5cef32129c, source: api): use the ZFS pool");
    expect(result.code).toBe(0);
    // Asked about talos alone, it would run: `orchestrator talos` does not wait for vms.
    expect((await cli(["plan", "talos"])).code).toBe(1);
    expect(existsSync(ran)).toBe(false);
  });

  it("refuses an unknown stage with one line naming it, exit 2", async () => {
    const { cli } = homelab();
    const result = await cli(["plan", "nosuch"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("nosuch");
  });
});

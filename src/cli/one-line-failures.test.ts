/**
 * Every failure an adversarial review of the CLI found is one line on stderr, with the
 * cause and the exit code (2 for configuration, 1 for runtime), never a stack trace; and a
 * failed run leaves no lock and no stage "running".
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";

const OK_STAGE = "  apps:\n    command: echo ok";

/** The tool's own last word: one `orchestrator: …` line, no stack frame anywhere. */
function expectOneLineFailure(stderr: string, cause: RegExp): void {
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
  const own = stderr.split("\n").filter((line) => line.startsWith("orchestrator: "));
  expect(own).toHaveLength(1);
  expect(own[0]).toMatch(cause);
  expect(stderr.endsWith(`${own[0]}\n`)).toBe(true);
}

describe("a configuration the tool cannot use is one line and exit 2, with nothing written", () => {
  const cases: [string, string, RegExp][] = [
    [
      "a YAML alias bomb",
      `version: 1\nx: &a [1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nv: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nu: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nstages:\n${OK_STAGE}\n`,
      /ai\/context_map\.yaml.*alias/i,
    ],
    [
      "a 200 KB command",
      contextMap(`  apps:\n    command: echo ${"a".repeat(200 * 1024)}`),
      /ai\/context_map\.yaml.*command/,
    ],
    ["a reserved stage name", contextMap("  status:\n    command: echo ok"), /ai\/context_map\.yaml.*status/],
    ["a cwd that climbs out of the repo", contextMap("  apps:\n    command: echo ok\n    cwd: ../.."), /cwd/],
    [
      "a model endpoint that is a local file",
      contextMap(OK_STAGE, "  openai_base_url: file:///etc/passwd"),
      /openai_base_url/,
    ],
  ];
  it.each(cases)("%s", async (_name, map, cause) => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": map });
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(2);
    expectOneLineFailure(result.stderr, cause);
    expect(existsSync(join(repo, "ai", "state"))).toBe(false);
  });
});

describe("a run the state on disk cannot carry is one line, and leaves no lock or running stage", () => {
  const repos: string[] = [];
  const undo: (() => void)[] = [];
  afterEach(() => {
    for (const step of undo.splice(0).reverse()) {
      step();
    }
    for (const repo of repos.splice(0)) {
      rmSync(repo, { recursive: true, force: true });
    }
  });
  function greenRepo(): string {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap(OK_STAGE) });
    repos.push(repo);
    return repo;
  }

  it("refuses a lock that is a folder, naming it", async () => {
    const repo = greenRepo();
    mkdirSync(join(repo, "ai", "state", "lock"), { recursive: true });
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(2);
    expectOneLineFailure(result.stderr, /ai\/state\/lock is a folder, not the orchestrator's lock file/);
  });

  it("refuses an AI branch that names the user's own branch", async () => {
    const repo = greenRepo();
    git(repo, "branch", "develop");
    const result = await runInProcess(["apps"], repo, { env: testEnv({ AI_BRANCH: "develop" }) });
    expect(result.code).toBe(2);
    expectOneLineFailure(result.stderr, /"develop".*was not created by the orchestrator/);
    expect(existsSync(join(repo, "ai", "state", "lock"))).toBe(false);
  });

  it("reads past a null journal line and runs", async () => {
    const repo = greenRepo();
    mkdirSync(join(repo, "ai", "state"), { recursive: true });
    writeFileSync(join(repo, "ai", "state", "journal.jsonl"), "null\n");
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  });

  it("sets an unreadable fixes.json aside instead of overwriting it", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  apps:\n    command: echo boom; exit 1"),
    });
    repos.push(repo);
    mkdirSync(join(repo, "ai", "state"), { recursive: true });
    writeFileSync(join(repo, "ai", "state", "fixes.json"), "{ not json");
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
    const kept = readdirSync(join(repo, "ai", "state")).filter((name) =>
      name.startsWith("fixes.json.unreadable-"),
    );
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(repo, "ai", "state", kept[0] ?? ""), "utf8")).toBe("{ not json");
  });

  it("takes over a lock whose pid now belongs to another process, instead of waiting for it", async () => {
    const repo = greenRepo();
    mkdirSync(join(repo, "ai", "state"), { recursive: true });
    // pid 1 is alive, but its start time is not the one the lock recorded: the pid was reused.
    const stale = {
      pid: 1,
      host: hostname(),
      since: "2026-11-01T00:00:00.000Z",
      command: "apps",
      startTicks: 1,
    };
    writeFileSync(join(repo, "ai", "state", "lock"), `${JSON.stringify(stale)}\n`);
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("took over a lock left by pid 1");
    expect(existsSync(join(repo, "ai", "state", "lock"))).toBe(false);
  });

  it("says so in one line, exit 1, when a state file is immutable (chattr +i)", async (context) => {
    const repo = greenRepo();
    expect((await runInProcess(["apps"], repo)).code).toBe(0);
    const file = join(repo, "ai", "state", "stage_status.json");
    const before = readFileSync(file, "utf8");
    if (!chattr("+i", file)) {
      context.skip("this file system or user cannot set the immutable attribute (chattr +i refused)");
    }
    undo.push(() => chattr("-i", file));
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(1);
    expectOneLineFailure(
      result.stderr,
      /^orchestrator: cannot write ai\/state\/stage_status\.json: the operation is not permitted .* \(EPERM\)$/,
    );
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(existsSync(join(repo, "ai", "state", "lock"))).toBe(false);
  });

  it("says so in one line, exit 1, when the state folder is immutable, leaving no lock draft", async (context) => {
    const repo = greenRepo();
    expect((await runInProcess(["apps"], repo)).code).toBe(0);
    const folder = join(repo, "ai", "state");
    if (!chattr("+i", folder)) {
      context.skip("this file system or user cannot set the immutable attribute (chattr +i refused)");
    }
    undo.push(() => chattr("-i", folder));
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(1);
    expectOneLineFailure(result.stderr, /^orchestrator: cannot write ai\/state\/lock: .*\(EPERM\)$/);
    expect(readdirSync(folder).filter((name) => /\.(tmp|draft)$/.test(name))).toEqual([]);
  });

  it("says so in one line, exit 1, when the disk fills during a stage, and status shows no stage running", async (context) => {
    const repo = greenRepo();
    expect((await runInProcess(["apps"], repo)).code).toBe(0);
    const state = join(repo, "ai", "state");
    const saved = readFileSync(join(state, "stage_status.json"), "utf8");
    if (!mountTmpfs(state, "256k")) {
      context.skip(
        "cannot mount a small tmpfs here (needs root and mount); the full disk is simulated only where it can be real",
      );
    }
    undo.push(() => spawnSync("umount", [state]));
    writeFileSync(join(state, "stage_status.json"), saved);
    // The stage itself fills the disk the state lives on, as a runaway log or image would.
    writeFileSync(
      join(repo, "ai", "context_map.yaml"),
      contextMap(`  apps:\n    command: head -c 1M /dev/zero > '${join(state, "filler")}'; exit 1`),
    );
    git(repo, "commit", "-qam", "a stage that fills the disk");
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(1);
    expectOneLineFailure(
      result.stderr,
      /^orchestrator: cannot write ai\/state\/.*: the disk is full; free some space, then run again \(ENOSPC\)$/,
    );
    expect(existsSync(join(state, "lock"))).toBe(false);
    expect(readdirSync(state).filter((name) => /\.(tmp|draft)$/.test(name))).toEqual([]);
    const status = await runInProcess(["status", "--json"], repo);
    const apps = JSON.parse(status.stdout).stages.find((row: { stage: string }) => row.stage === "apps");
    expect(apps.status).not.toBe("running");
  });
});

function chattr(flag: "+i" | "-i", path: string): boolean {
  return spawnSync("chattr", [flag, path]).status === 0;
}

function mountTmpfs(folder: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", folder], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

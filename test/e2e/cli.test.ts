import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, collect, runCli, stateFile, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

function readJson(path: string) {
  return JSON.parse(readFileSync(path, "utf8"));
}

async function waitFor(condition: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (condition()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("status", () => {
  it("--json matches the state files", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  vms:\n    command: echo ok\n  talos:\n    command: |\n      echo 'dial tcp 10.0.0.21:50000: i/o timeout' >&2; exit 1\n  infra: {}",
      ),
    });
    await runCli(["all"], repo);
    const result = await runCli(["status", "--json"], repo);
    expect(result.code).toBe(1); // talos gave up: it waits for a human

    const report = JSON.parse(result.stdout);
    const statuses = readJson(stateFile(repo, "stage_status.json")).stages;
    const errors = readJson(stateFile(repo, "errors.json")).stages;
    expect(report.stages.map((row: { stage: string; status: string }) => [row.stage, row.status])).toEqual([
      ["vms", "green"],
      ["talos", "give_up"],
      ["infra", "not configured"],
    ]);
    const talos = report.stages[1];
    expect(talos.fingerprint).toBe(errors.talos.fingerprint);
    expect(talos.attempts).toBe(errors.talos.attempts[errors.talos.fingerprint]);
    expect(talos.lastLog).toBe(statuses.talos.lastRun.logFile);
    expect(talos.since).toBe(statuses.talos.since);
    expect(report.api.configured).toBe(false);
  });

  it("prints a table a person reads at a glance", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok\n  talos: {}"),
    });
    await runCli(["vms"], repo);
    const result = await runCli(["status"], repo);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^STAGE\s+STATUS\s+SINCE\s+FINGERPRINT\s+ATTEMPTS\s+CALLS\s+LAST LOG$/);
    expect(lines[1]).toMatch(
      /^vms\s+green\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+-\s+0\s+0\/0\s+ai\/logs\/vms\/vms_\d{8}-\d{6}_attempt1\.log$/,
    );
    expect(lines[2]).toMatch(/^talos\s+not configured\s+-/);
  });
});

describe("start-up", () => {
  it("a status of a repo whose context map is unchanged loads no YAML parser, zod or model client", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    await runCli(["vms"], repo);
    await runCli(["status"], repo); // the first reader after the run caches the validated map
    // A module hook that names every package module the CLI resolves.
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes("/node_modules/")) process.stderr.write("LOADED " + r.url + "\\n"); return r; }`;
    const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const child = spawn(
      process.execPath,
      ["--import", `data:text/javascript,${encodeURIComponent(register)}`, CLI, "status"],
      { cwd: repo, env: testEnv() },
    );
    const result = await collect(child);
    expect(result.code).toBe(0);
    const packages = new Set(
      [...result.stderr.matchAll(/LOADED .*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]),
    );
    expect([...packages]).toEqual(["commander"]);
  });
});

describe("--reset", () => {
  it("sets a stage that gave up back to idle, and the next run runs it again", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  talos:\n    command: exit 1"),
    });
    expect((await runCli(["talos"], repo)).code).toBe(1);
    const reset = await runCli(["talos", "--reset"], repo);
    expect(reset.code).toBe(0);
    const status = readJson(stateFile(repo, "stage_status.json")).stages.talos;
    expect(status.status).toBe("idle");
    expect(status.reason).toContain("was give_up");
    expect(readJson(stateFile(repo, "errors.json")).stages.talos.attempts).toEqual({});
    await runCli(["talos"], repo);
    expect(readdirSync(join(repo, "ai", "logs", "talos"))).toHaveLength(6);
  });

  it("works through the seed's bootstrap_loop.sh shim after init", async () => {
    const repo = makeHomelabRepo({}, { commit: false });
    expect((await runCli(["init"], repo)).code).toBe(0);
    const shim = join(repo, "ai", "bootstrap_loop.sh");
    expect(statSync(shim).mode & 0o111).not.toBe(0);
    const binDir = join(repo, "..", `bin-${Date.now()}`);
    const { mkdirSync, symlinkSync } = await import("node:fs");
    mkdirSync(binDir);
    symlinkSync(CLI, join(binDir, "orchestrator"));
    const env = testEnv({ PATH: `${binDir}:${process.env["PATH"]}` });
    const status = await collect(spawn(shim, ["status"], { cwd: repo, env }));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^STAGE\s+STATUS/);
    expect(status.stdout).toMatch(/\ntalos\s+/);
  });
});

describe("one run at a time", () => {
  it("refuses a second run with exit 3 naming the holder, and touches nothing of the first", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  talos:\n    command: |\n      echo edit >> notes.txt; sleep 2; grep -q edit notes.txt || exit 1; echo done",
      ),
      "notes.txt": "tracked\n",
    });
    const first = collect(spawn(process.execPath, [CLI, "talos"], { cwd: repo, env: testEnv() }));
    await waitFor(() => existsSync(stateFile(repo, "lock")), "the first run's lock");
    const second = await runCli(["talos"], repo);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/another orchestrator run holds the lock \(pid \d+ on .+, since .+\)/);
    // the second run did not reset the worktree under the first one's stage
    expect((await first).code).toBe(0);
    expect(readJson(stateFile(repo, "stage_status.json")).stages.talos.status).toBe("green");
    expect(readFileSync(stateFile(repo, "journal.jsonl"), "utf8")).not.toContain(
      "worktree_leftovers_set_aside",
    );
  });

  it("makes a hand revert wait its turn: exit 3 while a run holds the repo", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  talos:\n    command: sleep 2; echo done"),
    });
    const first = collect(spawn(process.execPath, [CLI, "talos"], { cwd: repo, env: testEnv() }));
    await waitFor(() => existsSync(stateFile(repo, "lock")), "the first run's lock");
    const revert = await runCli(["revert", "HEAD"], repo);
    expect(revert.code).toBe(3);
    expect(revert.stderr).toContain("another orchestrator run holds the lock");
    expect((await first).code).toBe(0);
  });

  it("survives kill -9 mid-run: status says interrupted, the lock is taken over, the next run succeeds", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: sleep 30") });
    const child = spawn(process.execPath, [CLI, "talos"], { cwd: repo, env: testEnv() });
    const done = collect(child);
    await waitFor(() => {
      try {
        return readJson(stateFile(repo, "stage_status.json")).stages.talos.status === "running";
      } catch {
        return false;
      }
    }, "the stage to run");
    child.kill("SIGKILL");
    await done;
    for (const name of ["stage_status.json", "errors.json"]) {
      if (existsSync(stateFile(repo, name))) {
        expect(() => readJson(stateFile(repo, name))).not.toThrow();
      }
    }
    const status = JSON.parse((await runCli(["status", "--json"], repo)).stdout);
    expect(status.stages[0].status).toBe("interrupted");
    writeFileSync(join(repo, "ai", "context_map.yaml"), contextMap("  talos:\n    command: echo done"));
    const again = await runCli(["talos"], repo);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("took over a lock left by pid");
    const journal = readFileSync(stateFile(repo, "journal.jsonl"), "utf8");
    expect(journal).toContain('"type":"lock_taken_over"');
  });
});

describe("bad input", () => {
  async function expectRefused(files: Record<string, string>, args: string[], message: RegExp) {
    const repo = makeHomelabRepo(files);
    const result = await runCli(args, repo);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(repo, "ai", "state", "stage_status.json"))).toBe(false);
    expect(existsSync(join(repo, "ai", "logs"))).toBe(false);
    expect(git(repo, "branch", "--list", "ai/*")).toBe("");
  }

  it("malformed YAML: one line naming file and line, exit 2, nothing written", async () => {
    await expectRefused(
      { "ai/context_map.yaml": "version: 1\nstages:\n  talos:\n    command: [oops\n" },
      ["talos"],
      /^orchestrator: ai\/context_map\.yaml:\d+: invalid YAML/,
    );
  });

  it("a wrong type: names the field", async () => {
    await expectRefused(
      { "ai/context_map.yaml": contextMap("  talos:\n    command: ./x.sh\n    timeout: [10m]") },
      ["talos"],
      /ai\/context_map\.yaml:5: stages\.talos\.timeout: /,
    );
  });

  it("an unknown stage: lists the known ones", async () => {
    await expectRefused(
      { "ai/context_map.yaml": contextMap("  talos:\n    command: ./x.sh") },
      ["tlaos"],
      /unknown stage "tlaos"; ai\/context_map\.yaml names: talos/,
    );
  });

  it("a stage without a command: not configured", async () => {
    await expectRefused(
      { "ai/context_map.yaml": contextMap("  talos: {}") },
      ["talos"],
      /stage "talos" is not configured: give it a command/,
    );
  });

  it("an invalid environment value is an error, not a silent default", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: echo ok") });
    const result = await runCli(["talos"], repo, testEnv({ API_CALL_BUDGET: "lots" }));
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'orchestrator: API_CALL_BUDGET="lots": expected a whole number of at least 0',
    );
  });

  it("an unknown option is a usage error with exit 2", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: echo ok") });
    const result = await runCli(["talos", "--rest"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--rest'");
  });

  it("a usage mistake on a sub-command exits 2, like one on the program", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: echo ok") });
    for (const [args, message] of [
      [["status", "--jsn"], "unknown option '--jsn'"],
      [["explain"], "missing required argument 'stage'"],
      [
        ["diagnostics", "check", "--", "kubectl get nodes"],
        "required option '--stage <stage>' not specified",
      ],
    ] as const) {
      const result = await runCli([...args], repo);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it("orchestrator help shows the usage, not a stage called help", async () => {
    const result = await runCli(["help"], makeHomelabRepo({ "README.md": "hi" }));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: orchestrator /);
    expect(result.stderr).toBe("");
  });

  it("outside a homelab repo: says to run init", async () => {
    const repo = makeHomelabRepo({ "README.md": "hi" });
    const result = await runCli(["status"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('run "orchestrator init"');
  });
});

describe("init", () => {
  it("writes ai/ with the schema comment and never overwrites what exists", async () => {
    const repo = makeHomelabRepo({ "ai/master_memo.md": "# my memo\n", ".gitignore": "node_modules\n" });
    const result = await runCli(["init"], repo);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("kept ai/master_memo.md (already exists; not overwritten)");
    expect(readFileSync(join(repo, "ai", "master_memo.md"), "utf8")).toBe("# my memo\n");
    expect(readFileSync(join(repo, "ai", "context_map.yaml"), "utf8")).toMatch(
      /^# yaml-language-server: \$schema=/,
    );
    expect(readFileSync(join(repo, ".gitignore"), "utf8")).toContain(
      "node_modules\n# homelab-orchestrator runtime data\nai/state/\n",
    );
    const again = await runCli(["init"], repo);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already initialised");
  });

  it("publishes the context map's JSON Schema", async () => {
    const repo = makeHomelabRepo({ "README.md": "hi" });
    const result = await runCli(["schema"], repo);
    const schema = JSON.parse(result.stdout);
    expect(schema.properties.stages).toBeDefined();
    expect(schema.properties.version).toBeDefined();
  });
});

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, stateFile, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

/** Fails with a Talos-like error until it has run `passAt` times (counted outside the repo). */
const FLAKY = `#!/usr/bin/env bash
n=$(( $(cat "$COUNTER/runs" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$COUNTER/runs"
echo "applying config to 10.0.0.21"
if [ "$n" -lt "\${PASS_AT:-3}" ]; then
  echo "error applying new configuration: rpc error: code = Unavailable desc = dial tcp 10.0.0.2$n:50000: connect: connection refused" >&2
  exit 1
fi
echo "bootstrap done"
`;

function counterEnv(extra: Record<string, string> = {}) {
  return testEnv({ COUNTER: mkdtempSync(join(tmpdir(), "counter-")), ...extra });
}

function readJson(path: string) {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("orchestrator <stage>", () => {
  it("ends green when a stage fails twice with the same error and then passes", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  talos:\n    command: ./flaky.sh"),
      "flaky.sh": FLAKY,
    });
    const result = await runCli(["talos"], repo, counterEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("talos: green");
    const logs = readdirSync(join(repo, "ai", "logs", "talos")).sort();
    expect(logs).toHaveLength(3);
    for (const [index, name] of logs.entries()) {
      expect(name).toMatch(new RegExp(`^talos_\\d{8}-\\d{6}_attempt${index + 1}\\.log$`));
    }
    expect(readFileSync(join(repo, "ai", "logs", "talos", logs[0]!), "utf8")).toContain("connection refused");
    const status = readJson(stateFile(repo, "stage_status.json"));
    expect(status.stages.talos.status).toBe("green");
    const errors = readJson(stateFile(repo, "errors.json"));
    expect(errors.stages.talos.history.map((h: { action: string }) => h.action)).toEqual(["retry", "retry"]);
    // the same error at two different addresses is one fingerprint
    expect(new Set(errors.stages.talos.history.map((h: { fingerprint: string }) => h.fingerprint)).size).toBe(
      1,
    );
  });

  it("gives up within the bound when a stage always fails, and tells the human what to do", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  infra:\n    command: |\n      echo 'ssh: handshake failed: ssh: unable to authenticate' >&2; exit 1",
      ),
    });
    const result = await runCli(["infra"], repo);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("infra: give_up");
    expect(readdirSync(join(repo, "ai", "logs", "infra"))).toHaveLength(3);
    expect(readJson(stateFile(repo, "stage_status.json")).stages.infra.status).toBe("give_up");
    const issues = readFileSync(join(repo, "ai", "issues.txt"), "utf8");
    expect(issues).toContain("infra give_up");
    expect(issues).toContain("no API configured");
    expect(issues).toContain("orchestrator infra --reset");
    // give_up is sticky: a second run does not run the stage again
    const again = await runCli(["infra"], repo);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("gave up earlier");
    expect(readdirSync(join(repo, "ai", "logs", "infra"))).toHaveLength(3);
  });

  it("starts the attempt count again when a different error appears", async () => {
    const script = `#!/usr/bin/env bash
n=$(( $(cat "$COUNTER/runs" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$COUNTER/runs"
if [ "$n" -le 2 ]; then echo "Error: storage 'local-lvm' does not exist" >&2; else echo "Error: bridge 'vmbr0' does not exist" >&2; fi
exit 1
`;
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: ./vms.sh"),
      "vms.sh": script,
    });
    const result = await runCli(["vms"], repo, counterEnv());
    expect(result.code).toBe(1);
    const errors = readJson(stateFile(repo, "errors.json")).stages.vms;
    const fingerprints = errors.history.map((h: { fingerprint: string }) => h.fingerprint);
    expect(new Set(fingerprints).size).toBe(2);
    expect(Object.values(errors.attempts).sort()).toEqual([2, 3]);
    expect(readdirSync(join(repo, "ai", "logs", "vms"))).toHaveLength(5);
  });

  it("stops a stage at its timeout with its whole process tree and records why", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  talos:\n    command: sleep 30 & wait\n    timeout: 1s",
        "  executor_retry_threshold: 1\n  api_call_budget: 0",
      ),
    });
    const result = await runCli(["talos"], repo);
    expect(result.code).toBe(1);
    const status = readJson(stateFile(repo, "stage_status.json")).stages.talos;
    expect(status.lastRun.timedOut).toBe(true);
    const log = readdirSync(join(repo, "ai", "logs", "talos"))[0]!;
    expect(readFileSync(join(repo, "ai", "logs", "talos", log), "utf8")).toContain("timed out after 1s");
  });

  it("never calls a stage green that was stopped at its timeout, even when it exits 0", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  talos:\n    command: |\n      trap 'echo stopping cleanly; exit 0' TERM; sleep 30 & wait\n    timeout: 1s",
        "  executor_retry_threshold: 1\n  api_call_budget: 0",
      ),
    });
    const result = await runCli(["talos"], repo);
    expect(result.code).toBe(1);
    const status = readJson(stateFile(repo, "stage_status.json")).stages.talos;
    expect(status.status).toBe("give_up");
    expect(status.lastRun).toMatchObject({ exitCode: 0, timedOut: true });
  });

  it("records every success check and fails the stage when one does not pass", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        [
          "  talos:",
          "    command: echo applied",
          "    success_criteria:",
          "      - { name: api up, command: echo ok, expect_output: ok }",
          "      - { name: machines running, command: echo 'NODE STAGE\\n10.0.0.21 maintenance', expect_output: running }",
        ].join("\n"),
        "  executor_retry_threshold: 1\n  api_call_budget: 0",
      ),
    });
    const result = await runCli(["talos"], repo);
    expect(result.code).toBe(1);
    const lastRun = readJson(stateFile(repo, "stage_status.json")).stages.talos.lastRun;
    expect(lastRun.checks).toEqual([
      { name: "api up", passed: true, detail: "ok" },
      { name: "machines running", passed: false, detail: "output did not match /running/" },
    ]);
  });

  it("never changes the user's branch, HEAD, index or uncommitted files", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  talos:\n    command: ./flaky.sh"),
      "flaky.sh": FLAKY,
      "config/clusters/lab.yaml": "nodes: []\n",
    });
    git(repo, "checkout", "-q", "-b", "my-work");
    writeFileSync(join(repo, "config/clusters/lab.yaml"), "nodes: [staged]\n");
    git(repo, "add", "config/clusters/lab.yaml");
    writeFileSync(join(repo, "config/clusters/lab.yaml"), "nodes: [unstaged]\n");
    writeFileSync(join(repo, "notes.txt"), "untracked\n");
    const before = {
      head: git(repo, "rev-parse", "HEAD"),
      branch: git(repo, "branch", "--show-current"),
      status: git(repo, "status", "--porcelain"),
      staged: git(repo, "diff", "--cached"),
    };
    const result = await runCli(["talos"], repo, counterEnv());
    expect(result.code).toBe(0);
    expect({
      head: git(repo, "rev-parse", "HEAD"),
      branch: git(repo, "branch", "--show-current"),
      status: git(repo, "status", "--porcelain"),
      staged: git(repo, "diff", "--cached"),
    }).toEqual(before);
    expect(readFileSync(join(repo, "config/clusters/lab.yaml"), "utf8")).toBe("nodes: [unstaged]\n");
  });
});

import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import { terminalReporter } from "./progress.ts";

const FAILING = contextMap(
  `  vms:
    command: "echo 'creating VM 121'; echo 'Error: storage local-zfs does not exist on node pve' >&2; echo 'done trying'; exit 1"`,
  "  executor_retry_threshold: 1\n  api_call_budget: 0",
);

describe("what failed is shown, not only where the log is", () => {
  it("prints the failing lines under the stage's result line, and --json carries them", async () => {
    const root = makeHomelabRepo({ "ai/context_map.yaml": FAILING });
    const run = await runInProcess(["vms"], root, { env: testEnv() });
    expect(run.code).toBe(1);
    const lines = run.stderr.split("\n");
    const result = lines.findIndex((line) => /^\[vms\] exit 1 after .* \(ai\/logs\/vms\//.test(line));
    expect(result).toBeGreaterThanOrEqual(0);
    expect(lines[result + 1]).toBe("[vms]   > Error: storage local-zfs does not exist on node pve");

    const json = await runInProcess(["vms", "--json"], root, { env: testEnv() });
    const parsed = JSON.parse(json.stdout) as {
      outcomes: { stage: string; status: string; failingLines: string[] }[];
    };
    expect(parsed.outcomes[0]).toMatchObject({
      stage: "vms",
      status: "give_up",
      failingLines: ["Error: storage local-zfs does not exist on node pve"],
    });
  });

  it("explain quotes the failing lines of each decision, and --json gives them as a list", async () => {
    const root = makeHomelabRepo({ "ai/context_map.yaml": FAILING });
    await runInProcess(["vms"], root, { env: testEnv() });
    const story = await runInProcess(["explain", "vms"], root, { env: testEnv() });
    expect(story.stdout).toMatch(
      /error [0-9a-f]{16}: .*\n {4}> Error: storage local-zfs does not exist on node pve\n/,
    );
    const json = await runInProcess(["explain", "vms", "--json"], root, { env: testEnv() });
    const parsed = JSON.parse(json.stdout) as {
      failingLines: string[];
      events: { type: string }[];
      story: string;
    };
    expect(parsed.failingLines).toEqual(["Error: storage local-zfs does not exist on node pve"]);
    expect(parsed.events.map((event) => event.type)).toContain("decision");
    expect(parsed.story).toBe(story.stdout);
  });

  it("on a terminal, the failing lines follow the ✖ line, indented", () => {
    let written = "";
    const reporter = terminalReporter({
      isTTY: true,
      columns: 100,
      write: (text: string) => {
        written += text;
        return true;
      },
    } as never);
    reporter.stageStarted("talos", 1, "talhelper genconfig");
    reporter.line("talos", "generating configs");
    reporter.line("talos", "failed to load secret file: open talsecret.yaml: no such file or directory");
    reporter.stageFinished("talos", {
      green: false,
      summary: "exit 1",
      logFile: "ai/logs/talos/x.log",
      process: { durationMs: 24 },
    } as unknown as StageRunResult);
    const after = written.slice(written.lastIndexOf("\r\x1b[2K") + 5);
    expect(after).toBe(
      "✖ talos: exit 1 after 24ms (ai/logs/talos/x.log)\n    failed to load secret file: open talsecret.yaml: no such file or directory\n",
    );
  });
});

import { execFileSync, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI, collect, runCli, testEnv } from "../helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../helpers/homelab-repo.ts";

const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const STAGE = contextMap(
  "  talos:\n    command: |\n      echo applying config; sleep 0.5; echo bootstrap done",
);

describe("what the terminal shows", () => {
  it.runIf(hasScript)(
    "on a terminal: a live line with a spinner, elapsed time and the last output line",
    async () => {
      const repo = makeHomelabRepo({ "ai/context_map.yaml": STAGE });
      // script(1) gives the CLI a real pseudo-terminal, as a person's shell would.
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} talos`;
      const result = await collect(
        spawn("script", ["-qec", command, "/dev/null"], { cwd: repo, env: testEnv() }),
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("\r\x1b[2K"); // back to the start of the line, cleared
      expect(result.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] talos \(run 1\) \d+(\.\d)?(ms|s) {2}applying config/);
      expect(result.stdout).toContain("✔ talos: green in");
      expect(result.stdout).not.toContain("[talos]   applying config");
    },
  );

  it("elsewhere (CI, pipes): plain lines, one per output line, no cursor movement", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": STAGE });
    const result = await runCli(["talos"], repo);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("[talos] run 1: echo applying config; sleep 0.5; echo bootstrap done");
    expect(result.stderr).toContain("[talos]   applying config\n[talos]   bootstrap done\n");
    expect(result.stderr).not.toContain("\x1b[");
  });
});

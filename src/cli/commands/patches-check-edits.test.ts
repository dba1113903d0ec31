import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { type CapturedStdout, captureStdout } from "../../../test/helpers/stdout-capture.ts";
import { type HomelabRepo, makeHomelabRepo } from "../../adapters/side-branch/homelab-repo.fixture.ts";

const CANONICAL = [
  "diff --git a/config/clusters/prox-n100.yaml b/config/clusters/prox-n100.yaml",
  "--- a/config/clusters/prox-n100.yaml",
  "+++ b/config/clusters/prox-n100.yaml",
  "@@ -1,6 +1,6 @@",
  " proxmox:",
  "   node: pve",
  "-  storage: local-lvm",
  "+  storage: local-zfs",
  "   bridge: vmbr0",
  " talos:",
  "   version: v1.9.5",
  "",
].join("\n");

const SEARCH_REPLACE = [
  "The node has no local-lvm storage.",
  "",
  "config/clusters/prox-n100.yaml",
  "```yaml",
  "<<<<<<< SEARCH",
  "  storage: local-lvm",
  "=======",
  "  storage: local-zfs",
  ">>>>>>> REPLACE",
  "```",
  "",
].join("\n");

let repo: HomelabRepo;
let stdout: CapturedStdout;
let stdin = "";

beforeEach(() => {
  repo = makeHomelabRepo();
  stdout = captureStdout();
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  repo.cleanup();
});

/** Standard output; the exit code lands in `process.exitCode` as a spawned run's would. */
async function orchestrator(args: string[]) {
  const result = await runInProcess(args, repo.root, { env: testEnv({}), stdin });
  process.exitCode = result.code === 0 ? undefined : result.code;
  return stdout.text() + result.stdout;
}

describe("orchestrator patches check, for every edit format", () => {
  it("reads a FILE given by its absolute path and prints the canonical diff of a SEARCH/REPLACE edit", async () => {
    const file = join(repo.outside, "answer.md");
    writeFileSync(file, SEARCH_REPLACE);
    expect(await orchestrator(["patches", "check", file])).toBe(`accepted\n${CANONICAL}`);
    expect(process.exitCode).toBeUndefined();
  });

  it("prints the canonical diff of a Codex patch read from stdin", async () => {
    stdin = [
      "*** Begin Patch",
      "*** Update File: config/clusters/prox-n100.yaml",
      "@@",
      "-  storage: local-lvm",
      "+  storage: local-zfs",
      "*** End Patch",
      "",
    ].join("\n");
    expect(await orchestrator(["patches", "check", "-"])).toBe(`accepted\n${CANONICAL}`);
  });

  it("refuses an edit whose context is nowhere in the file, naming the closest lines, and exits 1", async () => {
    stdin = SEARCH_REPLACE.replace("  storage: local-lvm", "  storage: local-ssd");
    const output = await orchestrator(["patches", "check", "-"]);
    expect(output).toMatch(
      /^refused: SEARCH\/REPLACE block 1 \(config\/clusters\/prox-n100\.yaml\): .* not in config\/clusters\/prox-n100\.yaml; the closest lines are 3/,
    );
    expect(process.exitCode).toBe(1);
  });

  it("refuses a protected file after resolving the edit, with the patch guard's reason", async () => {
    stdin = "ai/master_memo.md\n<<<<<<< SEARCH\n# Homelab\n=======\n# Mine now\n>>>>>>> REPLACE\n";
    expect(await orchestrator(["patches", "check", "-"])).toBe(
      "refused: ai/master_memo.md is protected (the human's architecture memo); the patch would edit it\n",
    );
    expect(process.exitCode).toBe(1);
  });
});

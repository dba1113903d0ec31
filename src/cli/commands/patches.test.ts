import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { type CapturedStdout, captureStdout } from "../../../test/helpers/stdout-capture.ts";
import { type HomelabRepo, makeHomelabRepo } from "../../adapters/side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../../adapters/side-branch/index.ts";

const STORAGE_FIX = [
  "diff --git a/config/clusters/prox-n100.yaml b/config/clusters/prox-n100.yaml",
  "--- a/config/clusters/prox-n100.yaml",
  "+++ b/config/clusters/prox-n100.yaml",
  "@@ -2,3 +2,3 @@",
  "   node: pve",
  "-  storage: local-lvm",
  "+  storage: local-zfs",
  "   bridge: vmbr0",
  "",
].join("\n");
const MEMO_EDIT = [
  "--- a/ai/master_memo.md",
  "+++ b/ai/master_memo.md",
  "@@ -1 +1 @@",
  "-# Homelab",
  "+# Mine now",
  "",
].join("\n");
const META = { stage: "talos", summary: "use local-zfs", fingerprint: "ab12", source: "memory" };
const RULES = { protectedPaths: [], secretGlobs: [], maxFiles: 5, maxChangedLines: 80 };

let repo: HomelabRepo;
let stdout: CapturedStdout;

beforeEach(() => {
  repo = makeHomelabRepo();
  stdout = captureStdout();
});
afterEach(() => {
  vi.restoreAllMocks();
  repo.cleanup();
});

let exitCode: number;
let stderr: string;

/**
 * Standard output; the exit code and standard error land in `exitCode` and `stderr`. (`patches
 * check` still prints through process.stdout until its rewrite lands: captured too.)
 */
async function orchestrator(args: string[], env: Record<string, string> = {}) {
  const result = await runInProcess(args, repo.root, { env: testEnv(env), stdin: STORAGE_FIX });
  exitCode = result.code;
  stderr = result.stderr;
  return stdout.text() + result.stdout;
}

describe("orchestrator patches check", () => {
  it("prints accepted and the canonical diff, and exits 0 for a clean config fix, before any AI branch exists", async () => {
    expect(await orchestrator(["patches", "check", "-"])).toMatch(
      /^accepted\ndiff --git a\/config\/clusters\/prox-n100\.yaml b\/config\/clusters\/prox-n100\.yaml\n/,
    );
    expect(exitCode).toBe(0);
    expect(repo.run(["branch", "--list", "ai/*"])).toBe("");
  });

  it("prints each reason and exits 1 for a protected edit", async () => {
    writeFileSync(join(repo.root, "memo.diff"), MEMO_EDIT);
    expect(await orchestrator(["patches", "check", "memo.diff", "--stage", "talos"])).toBe(
      "refused: ai/master_memo.md is protected (the human's architecture memo); the patch would edit it\n",
    );
    expect(exitCode).toBe(1);
  });

  it("checks against the AI branch, where the fix is already applied", async () => {
    const side = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
    await side.apply(STORAGE_FIX, META, RULES);
    writeFileSync(join(repo.root, "fix.diff"), STORAGE_FIX);
    expect(await orchestrator(["patches", "check", "fix.diff"])).toMatch(/^refused: .* is already applied/);
    expect(exitCode).toBe(1);
  });

  it("names a diff file that cannot be read", async () => {
    await orchestrator(["patches", "check", "nope.diff"]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe("orchestrator: cannot read nope.diff: ENOENT\n");
  });

  it("names an unknown stage", async () => {
    await orchestrator(["patches", "check", "-", "--stage", "nope"]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/^orchestrator: unknown stage "nope"/);
  });
});

describe("orchestrator patches and revert", () => {
  it("lists AI commits with their outcome, and reverts one by hand", async () => {
    const side = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
    const applied = await side.apply(STORAGE_FIX, META, RULES);
    const commit = applied.status === "applied" ? applied.commit : "";
    const listed = await orchestrator(["patches"]);
    expect(listed).toMatch(/^COMMIT\s+DATE\s+STAGE\s+SOURCE\s+OUTCOME\s+SUMMARY\n/);
    expect(listed).toMatch(
      new RegExp(`${commit.slice(0, 7)}\\w*\\s+\\S+ \\S+\\s+talos\\s+memory\\s+applied\\s+use local-zfs\\n`),
    );
    stdout.clear();
    expect(await orchestrator(["revert", commit.slice(0, 10), "--reason", "made it worse"])).toMatch(
      new RegExp(`^reverted ${commit.slice(0, 10)} on ai/orchestrator-stage1: [0-9a-f]{12}\\n$`),
    );
    stdout.clear();
    const json = JSON.parse(await orchestrator(["patches", "--json", "--stage", "talos"]));
    expect(json.patches).toEqual([
      expect.objectContaining({ commit, reverted: true, revertReason: "made it worse" }),
    ]);
  });

  it("follows AI_BRANCH and says when there are no patches", async () => {
    expect(await orchestrator(["patches"], { AI_BRANCH: "ai/elsewhere" })).toBe(
      "no AI patches on ai/elsewhere\n",
    );
  });
});

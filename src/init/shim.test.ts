import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { bootstrapShim } from "./templates.ts";

/** PATH with node, bash and coreutils but no `orchestrator`. */
const PATH_WITHOUT_TOOL = `${dirname(process.execPath)}:/usr/bin:/bin`;

describe("the shim ai/bootstrap_loop.sh", () => {
  // Runs the installation's bin/orchestrator, which loads dist/: npm run build first.
  it("finds the installation that wrote it when orchestrator is not on PATH", {
    tags: ["slow"],
  }, async () => {
    const root = makeHomelabRepo({ "README.txt": "lab\n" });
    expect((await runInProcess(["init"], root, { env: testEnv() })).code).toBe(0);
    const run = spawnSync(join(root, "ai/bootstrap_loop.sh"), ["status"], {
      cwd: root,
      env: { ...testEnv(), PATH: PATH_WITHOUT_TOOL },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("vms");
  });

  it("says how to install when it finds no orchestrator at all, instead of a bare 127", () => {
    const folder = mkdtempSync(join(tmpdir(), "shim-"));
    mkdirSync(join(folder, "ai"));
    const shim = join(folder, "ai/bootstrap_loop.sh");
    writeFileSync(shim, bootstrapShim("/nowhere/bin/orchestrator"));
    chmodSync(shim, 0o755);
    const run = spawnSync(shim, ["status"], {
      cwd: folder,
      env: { PATH: PATH_WITHOUT_TOOL },
      encoding: "utf8",
    });
    expect(run.status).toBe(127);
    expect(run.stderr).toContain(
      "ai/bootstrap_loop.sh: orchestrator is not on PATH and not at /nowhere/bin/orchestrator: in a clone of homelab-orchestrator run",
    );
  });
});

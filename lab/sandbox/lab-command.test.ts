import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../../src/adapters/git/index.ts";
import { runCli, testEnv } from "../../test/helpers/cli.ts";

// Spawns the built CLI (npm run build first): `lab up` starts the compiled lab process.
describe("orchestrator lab up|status|down", { tags: ["slow"], timeout: 60_000 }, () => {
  it("starts the sandbox lab in the background, prints what to export, and stops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-cmd-"));
    const env = testEnv();
    const down = await runCli(["lab", "status", "--dir", dir], tmpdir(), env);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain("lab is down");
    const up = await runCli(["lab", "up", "--dir", dir], tmpdir(), env);
    try {
      expect(up.code, up.stderr).toBe(0);
      const url = /Proxmox VE API at (http:\/\/127\.0\.0\.1:\d+\/api2\/json)/.exec(up.stdout)?.[1];
      expect(url).toBeDefined();
      expect(up.stdout).toContain(`export PATH="${join(dir, "bin")}:$PATH"`);
      expect(up.stdout).toContain("export PROXMOX_TOKEN_SECRET=");
      expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toContain(url);
      // The homelab remote Flux syncs, and the forge for GitOps delivery's pull requests.
      const gitUrl = /the homelab remote Flux syncs: (http:\/\/127\.0\.0\.1:\d+\/lab\/homelab\.git)/.exec(
        up.stdout,
      )?.[1];
      expect(gitUrl).toBeDefined();
      expect(readFileSync(join(dir, "cluster.yaml"), "utf8")).toContain(`url: ${gitUrl}`);
      expect(up.stdout).toMatch(/pull requests on it: http:\/\/127\.0\.0\.1:\d+ /);
      expect(up.stdout).toContain("export GITOPS_REPO='lab/homelab'");
      expect(up.stdout).not.toContain("export GITOPS_APPROVAL");
      const remote = await git(["ls-remote", gitUrl ?? ""], { cwd: dir });
      expect(remote.exitCode).toBe(0);
      // The API answers the lab token, as the real one answers an API token (PVEAPIToken=...).
      const state = JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as {
        env: Record<string, string>;
      };
      const version = await fetch(`${url}/version`, {
        headers: {
          Authorization: `PVEAPIToken=automation@pve!orchestrator=${state.env["PROXMOX_TOKEN_SECRET"]}`,
        },
      });
      expect(version.status).toBe(200);
      const status = await runCli(["lab", "status", "--dir", dir], tmpdir(), env);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`lab is up since`);
      const again = await runCli(["lab", "up", "--dir", dir], tmpdir(), env);
      expect(again.stdout).toContain("lab is already up");
    } finally {
      const stopped = await runCli(["lab", "down", "--dir", dir], tmpdir(), env);
      expect(stopped.code).toBe(0);
      expect(stopped.stdout).toMatch(/^lab down: stopped pid \d+/);
    }
    const after = await runCli(["lab", "status", "--dir", dir], tmpdir(), env);
    expect(after.code).toBe(1);
  });
});

import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { execWord } from "./service.ts";

function homelab(): string {
  return makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
}

describe("orchestrator service install", () => {
  it("prints a unit that runs converge for the repo with the listener and an environment file, with --dry-run", async () => {
    const repo = homelab();
    const config = mkdtempSync(join(tmpdir(), "xdg-"));
    const result = await runInProcess(["service", "install", "--user", "--dry-run", "--every", "10m"], repo, {
      env: testEnv({ XDG_CONFIG_HOME: config }),
    });
    expect(result.code).toBe(0);
    const name = `orchestrator-${repo.split("/").at(-1)?.toLowerCase()}`;
    expect(result.stdout).toContain(`# ${config}/systemd/user/${name}.service\n[Unit]\n`);
    expect(result.stdout).toContain(`WorkingDirectory=${repo}\n`);
    expect(result.stdout).toContain(`EnvironmentFile=-${config}/orchestrator/${name}.env\n`);
    expect(result.stdout).toMatch(
      new RegExp(
        `\\nExecStart=\\S+ \\S+/bin/orchestrator -C ${repo} converge --every 10m --listen 127\\.0\\.0\\.1:9489\\n`,
      ),
    );
    expect(result.stdout).toContain("WantedBy=default.target\n");
    expect(result.stdout).not.toContain("User=");
    expect(() => statSync(join(config, "systemd"))).toThrow(/ENOENT/);
  });

  it("writes the unit and a private environment file, and keeps an environment file that is already there", async () => {
    const repo = homelab();
    const config = mkdtempSync(join(tmpdir(), "xdg-"));
    const env = testEnv({ XDG_CONFIG_HOME: config });
    const first = await runInProcess(["service", "install", "--user"], repo, { env });
    expect(first.code).toBe(0);
    const name = `orchestrator-${repo.split("/").at(-1)?.toLowerCase()}`;
    const envFile = join(config, "orchestrator", `${name}.env`);
    expect(first.stdout).toContain(`wrote ${envFile} (mode 600)`);
    expect(first.stdout).toContain(`systemctl --user enable --now ${name}.service`);
    expect(first.stdout).toContain(`journalctl --user -u ${name} -f`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(config, "systemd/user", `${name}.service`), "utf8")).toContain(
      "[Service]\nType=simple\n",
    );
    const second = await runInProcess(["service", "install", "--user"], repo, { env });
    expect(second.stdout).toContain(`kept ${envFile}`);
  });

  it("refuses a listener address that is not HOST:PORT: exit 2, nothing written", async () => {
    const repo = homelab();
    const config = mkdtempSync(join(tmpdir(), "xdg-"));
    const result = await runInProcess(["service", "install", "--user", "--listen", "nowhere"], repo, {
      env: testEnv({ XDG_CONFIG_HOME: config }),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--listen "nowhere": expected HOST:PORT');
    expect(() => statSync(join(config, "systemd"))).toThrow(/ENOENT/);
  });

  it("quotes an ExecStart word with a space and escapes systemd's % and $", () => {
    expect(execWord("/srv/home lab")).toBe('"/srv/home lab"');
    expect(execWord("/srv/100%lab")).toBe("/srv/100%%lab");
    expect(execWord("/srv/$HOME")).toBe('"/srv/$$HOME"');
  });
});

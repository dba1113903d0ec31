import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, type UserError } from "../../errors/index.ts";
import { type HomelabLab, startHomelabLab } from "../../homelab/stages/lab-homelab.fixture.ts";
import { registerVerifyCommands } from "./verify.ts";

let lab: HomelabLab | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  await lab?.lab.close();
  lab = undefined;
});

async function verify(homelab: HomelabLab, ...args: string[]) {
  const output: string[] = [];
  const program = new Command().exitOverride();
  registerVerifyCommands(program, {
    cwd: () => homelab.worktree,
    env: homelab.env,
    write: (t) => output.push(t),
  });
  process.exitCode = undefined;
  await program.parseAsync(["verify", ...args], { from: "user" });
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { lines: output.join("").trimEnd().split("\n"), exitCode };
}

describe("orchestrator verify", { tags: ["slow"], timeout: 120_000 }, () => {
  it("passes the talos checks after the talos step and fails infra's before Flux exists", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    expect((await lab.step("talos")).exitCode).toBe(0);
    const talos = await verify(lab, "talos", "etcd-members");
    expect(talos).toEqual({
      lines: ["check etcd-members: ok (etcd members are exactly the control planes)"],
      exitCode: 0,
    });
    const infra = await verify(lab, "infra", "flux-check");
    expect(infra.exitCode).toBe(1);
    expect(infra.lines.at(-1)).toBe(
      "verify infra failed: ✗ checking version in cluster failed: no flux installation found",
    );
  });

  it("refuses an unknown check and a bad cluster file with exit 2", async () => {
    lab = await startHomelabLab((text) =>
      text.replace('mac: "bc:24:11:00:00:22"', 'mac: "bc:24:11:00:00:2"'),
    );
    const unknown = verify(lab, "talos", "nope", "--cluster", "config/clusters/lab.yaml");
    await expect(unknown).rejects.toThrow(
      'stage talos has no check "nope"; its checks: machines-running, etcd-members, services-healthy, talos-version, api-ready',
    );
    const error = await verify(lab, "talos").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^config\/clusters\/lab\.yaml:\d+: nodes\.1\.mac: /);
  });
});

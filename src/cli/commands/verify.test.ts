import { afterEach, describe, expect, it } from "vitest";
import { runForLines, runInProcess } from "../../../test/helpers/cli.ts";
import { type HomelabLab, startHomelabLab } from "../../homelab/stages/lab-homelab.fixture.ts";

let lab: HomelabLab | undefined;

afterEach(async () => {
  await lab?.lab.close();
  lab = undefined;
});

function verify(homelab: HomelabLab, ...args: string[]) {
  return runForLines(["verify", ...args], homelab.worktree, homelab.env);
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
    const unknown = await runInProcess(
      ["verify", "talos", "nope", "--cluster", "config/clusters/lab.yaml"],
      lab.worktree,
      { env: lab.env },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'orchestrator: stage talos has no check "nope"; its checks: machines-running, etcd-members, services-healthy, talos-version, api-ready\n',
    );
    const badFile = await runInProcess(["verify", "talos"], lab.worktree, { env: lab.env });
    expect(badFile.code).toBe(2);
    expect(badFile.stderr).toMatch(
      /^orchestrator: config\/clusters\/lab\.yaml:\d+: nodes\.1\.mac: [^\n]*\n$/,
    );
  });
});

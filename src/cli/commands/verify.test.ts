import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runForLines, runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
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

  it("refuses an unknown check with exit 2 and a bad cluster file with exit 1 (a fix to the file repairs it)", async () => {
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
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toMatch(
      /^orchestrator: config\/clusters\/lab\.yaml:\d+: nodes\.1\.mac: [^\n]*\n$/,
    );
  });
});

describe("orchestrator verify on any stage of the context map", () => {
  const map = contextMap(`  backup:
    command: ./backup.sh
    success_criteria:
      - name: archive-exists
        command: test -f backup.tar
      - name: archive-fresh
        command: cat backup.tar
        expect_output: "^fresh$"`);

  it("runs a custom stage's success_criteria, naming the check that fails", async () => {
    const root = makeHomelabRepo({ "ai/context_map.yaml": map });
    const missing = await runInProcess(["verify", "backup"], root, { env: testEnv() });
    expect(missing.code).toBe(1);
    expect(missing.stdout.trimEnd().split("\n").at(-1)).toBe(
      "verify backup failed: check archive-exists: expected exit 0, got exit 1",
    );
    writeFileSync(join(root, "backup.tar"), "fresh\n");
    const ok = await runInProcess(["verify", "backup"], root, { env: testEnv() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("verify backup: 2 check(s) passed");
  });

  it("runs one check by name, prints JSON with --json, and refuses a check the stage lacks", async () => {
    const root = makeHomelabRepo({ "ai/context_map.yaml": map, "backup.tar": "stale\n" });
    const json = await runInProcess(["verify", "backup", "archive-fresh", "--json"], root, {
      env: testEnv(),
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      stage: "backup",
      passed: false,
      checks: [{ name: "archive-fresh", passed: false, detail: "output did not match /^fresh$/" }],
      skipped: [],
    });
    const nope = await runInProcess(["verify", "backup", "nope"], root, { env: testEnv() });
    expect(nope.code).toBe(2);
    expect(nope.stderr).toBe(
      'orchestrator: stage backup has no check "nope"; its checks: archive-exists, archive-fresh\n',
    );
    const unknown = await runInProcess(["verify", "restore"], root, { env: testEnv() });
    expect(unknown.stderr).toBe('orchestrator: unknown stage "restore" to verify; stages: backup\n');
  });
});

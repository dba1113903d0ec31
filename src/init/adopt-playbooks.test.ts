import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../lab/proxmox-server/lab-fixture.ts";
import { fixtureRepo, standIns } from "../../test/fixtures/repos/adopt-helpers.ts";
import { runInProcess } from "../../test/helpers/cli.ts";
import { git } from "../../test/helpers/homelab-repo.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) {
    await cleanup();
  }
});

describe("an adopted Terraform repo's storage fault, fixed by the playbook where Terraform reads it", () => {
  it("changes the variable default on the AI branch, runs the stage green, and leaves the user's checkout alone", async () => {
    const fixture: LabFixture = await startLabFixture({
      storages: { local: ["iso", "backup"], "local-zfs": ["images", "rootdir"] },
    });
    cleanups.push(() => fixture.close());
    const root = fixtureRepo("terraform-talhelper", {
      "terraform/terraform.tfstate": JSON.stringify({ version: 4, serial: 3, resources: [] }),
      // The user's secrets, git-ignored: linked into the AI worktree, read by the playbook's facts.
      "terraform/secrets.auto.tfvars": [
        `proxmox_endpoint  = "${fixture.server.url.replace(/\/api2\/json$/, "/")}"`,
        `proxmox_api_token = "${fixture.token.id}=${fixture.token.secret}"`,
        "",
      ].join("\n"),
      "talos/talsecret.yaml": "cluster:\n  id: abc\n",
    });
    // The node has local and local-zfs; the module's default, local-lvm, is not there.
    const { env } = standIns({ STANDIN_PVE_STORAGES: "local,local-zfs", EXECUTOR: "playbook" });
    const init = await runInProcess(["init"], root, { env });
    expect(init.code, init.stderr).toBe(0);
    git(root, "add", "ai", ".gitignore");
    git(root, "commit", "-qm", "orchestrator");

    const all = await runInProcess(["all"], root, { env });
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toMatch(/vms: green/);
    const changed = git(root, "diff", "main", "ai/orchestrator-stage1", "--", "terraform/variables.tf");
    expect(changed).toContain('-  default     = "local-lvm" # thin pool for VM disks');
    expect(changed).toContain('+  default     = "local-zfs" # thin pool for VM disks');
    expect(git(root, "log", "-1", "--format=%B", "ai/orchestrator-stage1")).toContain(
      "proxmox-storage-missing",
    );
    expect(readFileSync(join(root, "terraform/variables.tf"), "utf8")).toContain('default     = "local-lvm"');
    expect(JSON.parse(readFileSync(join(root, "terraform/terraform.tfstate"), "utf8")).serial).toBe(4);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stateFile } from "../../../test/helpers/cli.ts";
import { git } from "../../../test/helpers/homelab-repo.ts";
import { homelabWithAgent, removeAll } from "./approve.fixture.ts";

/** Fails like Proxmox does until the cluster file names a storage the node has. */
const VMS_SCRIPT = `#!/usr/bin/env bash
storage=$(sed -n 's/^storage: *//p' config/cluster.yaml)
if [ "$storage" != "local-zfs" ]; then
  echo "proxmox: 500 storage '$storage' does not exist" >&2
  exit 1
fi
echo "proxmox: VM 121 running"
`;

/** A CLI agent stand-in (EXECUTOR=command): counts its runs, then edits the cluster file. */
const AGENT = `#!/usr/bin/env bash
n=$(( $(cat "$AGENT_RUNS" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$AGENT_RUNS"
sed -i 's/^storage: .*/storage: local-zfs/' config/cluster.yaml
echo "set the storage to local-zfs, the node's ZFS pool"
`;

const folders: string[] = [];
afterEach(() => removeAll(folders));

const homelab = (approval = "  approval:\n    default: auto\n    executor: propose") =>
  homelabWithAgent({
    stage: "vms",
    script: VMS_SCRIPT,
    agent: AGENT,
    files: { "config/cluster.yaml": "node: pve\nstorage: local-lvm\n" },
    settings: approval,
    cleanup: folders,
  });

function journal(repo: string): { type: string; reason?: string; reasons?: string[] }[] {
  return readFileSync(stateFile(repo, "journal.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

describe("orchestrator approve and reject (propose, then approve)", () => {
  it("proposes the executor's fix instead of running it, shows it everywhere, and approve turns the stage green", async () => {
    const { repo, runs, cli } = homelab();
    const first = await cli(["vms"]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain("vms: awaiting_approval — fix ");
    expect(first.stdout).toContain('"orchestrator approve vms-1"');
    expect(runs()).toBe(1);
    expect(git(repo, "log", "-1", "--format=%B", "ai/orchestrator-stage1")).toContain("Source: command");
    expect(journal(repo).filter((event) => event.type === "stage_run")).toHaveLength(1);

    const status = await cli(["status"]);
    expect(status.stdout).toMatch(/^vms +awaiting_approval /m);
    expect(status.stdout).toContain("awaiting approval:\n  vms-1  vms  ");
    expect(JSON.parse((await cli(["status", "--json"])).stdout).awaitingApproval).toMatchObject([
      { id: "vms-1", stage: "vms", source: "command" },
    ]);
    expect((await cli(["patches"])).stdout).toContain("awaiting approval: orchestrator approve vms-1");
    const plan = await cli(["plan"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^vms +await approval +fix [0-9a-f]{10} \(source: command\) was proposed/m);
    // Converging again does not run the stage with the unapproved fix.
    expect((await cli(["all"])).stdout).toContain("vms: awaiting_approval");
    expect(journal(repo).filter((event) => event.type === "stage_run")).toHaveLength(1);

    const approved = await cli(["approve", "vms-1"]);
    expect(approved.stdout).toBe("vms: green\n");
    expect(approved.code).toBe(0);
    expect(runs()).toBe(1);
    expect(JSON.parse((await cli(["fixes", "--json"])).stdout).fixes).toHaveLength(1);
    expect((await cli(["status", "--json"])).stdout).toContain('"awaitingApproval": []');
    expect((await cli(["explain", "vms"])).stdout).toContain("a human approved proposal vms-1");
    const again = await cli(["approve", "vms-1"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("proposal vms-1 was already approved");
  });

  it("reverts a rejected fix, and reverts at once the same fix found again for the same error", async () => {
    const { repo, runs, cli } = homelab();
    expect((await cli(["vms"])).code).toBe(1);
    const rejected = await cli(["reject", "vms-1"]);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(/^rejected vms-1: reverted [0-9a-f]{10} on ai\/orchestrator-stage1/);
    expect(git(repo, "log", "-1", "--format=%s", "ai/orchestrator-stage1")).toMatch(/revert/i);
    expect(JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals[0]).toMatchObject({
      id: "vms-1",
      status: "rejected",
    });

    // The agent finds the very same change again: it is not proposed again. The patch path
    // refuses a patch already reverted for this error before it lands (a rejection is a revert).
    const next = await cli(["vms"]);
    expect(next.code).toBe(1);
    expect(next.stdout).toContain("vms: give_up");
    expect(runs()).toBe(2);
    expect(JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals).toHaveLength(1);
    const refusals = journal(repo).flatMap((event) => event.reasons ?? []);
    expect(refusals.join("\n")).toMatch(
      /this patch was already tried for this error as [0-9a-f]{10} and reverted/,
    );
  });

  it("follows a proposed commit when the AI branch is rebuilt on the user's newer commits", async () => {
    const { repo, cli } = homelab();
    expect((await cli(["vms"])).code).toBe(1);
    const proposed = JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals[0].commit;
    writeFileSync(join(repo, "NOTES.md"), "the user's own work\n");
    git(repo, "add", "NOTES.md");
    git(repo, "commit", "-qm", "notes");
    const rejected = await cli(["reject", "vms-1"]);
    expect(rejected.stderr).toBe("");
    expect(rejected.code).toBe(0);
    const now = JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals[0];
    expect(now.commit).not.toBe(proposed);
    expect(rejected.stdout).toContain(`reverted ${now.commit.slice(0, 10)}`);
    expect(git(repo, "show", "ai/orchestrator-stage1:config/cluster.yaml")).toContain("storage: local-lvm");
    expect(git(repo, "show", "ai/orchestrator-stage1:NOTES.md")).toBe("the user's own work");
  });

  it("rejects a proposal whose commit was dropped when the AI branch was rebuilt on the user's change to the same lines", async () => {
    const { repo, cli } = homelab();
    expect((await cli(["vms"])).code).toBe(1);
    writeFileSync(join(repo, "config/cluster.yaml"), "node: pve\nstorage: ceph\n");
    git(repo, "commit", "-qam", "move the VMs to ceph");
    const rejected = await cli(["reject", "vms-1"]);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(
      /^rejected vms-1: [0-9a-f]{10} is no longer on ai\/orchestrator-stage1 \(dropped when it was rebuilt on your branch\), so there was nothing to revert; it will not be offered again/,
    );
    expect(JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals[0]).toMatchObject({
      id: "vms-1",
      status: "rejected",
    });
    expect(git(repo, "show", "ai/orchestrator-stage1:config/cluster.yaml")).toContain("storage: ceph");
    expect(journal(repo).filter((event) => event.type === "patch_reverted")).toHaveLength(0);
    expect(JSON.parse((await cli(["fixes", "--json"])).stdout).fixes).toHaveLength(0);
    const status = (await cli(["status"])).stdout;
    expect(status).toMatch(/^vms +failed /m);
    expect(status).toMatch(/vms: fix [0-9a-f]{10} was rejected \(the AI branch had already dropped it\)/);
  });

  it("says which proposals exist when asked to approve an unknown one, and changes nothing", async () => {
    const { repo, cli } = homelab();
    await cli(["vms"]);
    const before = readFileSync(stateFile(repo, "proposals.json"), "utf8");
    const result = await cli(["approve", "vms-9"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no proposal "vms-9"; awaiting approval: vms-1');
    expect(readFileSync(stateFile(repo, "proposals.json"), "utf8")).toBe(before);
  });

  it("refuses an approval mode it does not know, naming the field", async () => {
    const { cli } = homelab("  approval:\n    executor: sometimes");
    const result = await cli(["vms"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("settings.approval.executor");
  });
});

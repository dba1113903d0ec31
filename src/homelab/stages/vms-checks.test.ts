import { afterEach, describe, expect, it } from "vitest";
import { runForLines } from "../../../test/helpers/cli.ts";
import { type HomelabLab, startHomelabLab } from "./lab-homelab.fixture.ts";
import { macOfNet0 } from "./vms-checks.ts";

let lab: HomelabLab | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  await lab?.lab.close();
  lab = undefined;
});

/** `orchestrator verify vms [check]` in the lab's worktree. */
function verifyVms(homelab: HomelabLab, ...args: string[]) {
  return runForLines(["verify", "vms", ...args], homelab.worktree, homelab.env);
}

describe("orchestrator verify vms", { tags: ["slow"], timeout: 60_000 }, () => {
  it("passes every vms check after the vms step", async () => {
    lab = await startHomelabLab();
    expect((await lab.step("vms")).exitCode).toBe(0);
    expect(await verifyVms(lab)).toEqual({
      lines: [
        "check vms-running: ok (every node's VM is running in Proxmox)",
        "check vms-identity: ok (every VM carries its node's name and the tag homelab-orchestrator)",
        "check vms-mac: ok (every VM's net0 MAC is its node's MAC in the cluster file)",
        "check talos-api: ok (the Talos API answers on port 50000 at every node's address)",
      ],
      exitCode: 0,
    });
  });

  it("quotes Proxmox when a VM does not exist yet", async () => {
    lab = await startHomelabLab();
    const result = await verifyVms(lab, "vms-running");
    expect(result.exitCode).toBe(1);
    expect(result.lines.at(-1)).toBe(
      "verify vms failed: check vms-running: cp-1 (vmid 121 on pve): proxmox: GET /nodes/pve/qemu/121/status/current: 500 Configuration file 'nodes/pve/qemu-server/121.conf' does not exist; " +
        "cp-2 (vmid 122 on pve): proxmox: GET /nodes/pve/qemu/122/status/current: 500 Configuration file 'nodes/pve/qemu-server/122.conf' does not exist; " +
        "cp-3 (vmid 123 on pve): proxmox: GET /nodes/pve/qemu/123/status/current: 500 Configuration file 'nodes/pve/qemu-server/123.conf' does not exist; " +
        "w-1 (vmid 131 on pve): proxmox: GET /nodes/pve/qemu/131/status/current: 500 Configuration file 'nodes/pve/qemu-server/131.conf' does not exist",
    );
  });

  it("fails for a stopped VM, a foreign name, a wrong MAC and a Talos API that refuses", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    lab.lab.change((world) => {
      const cp2 = world.proxmox.vms["122"];
      const w1 = world.proxmox.vms["131"];
      if (!cp2 || !w1) {
        throw new Error("the vms step made no VMs 122 and 131");
      }
      cp2.status = "stopped";
      cp2.config["name"] = "old-cp-2";
      w1.config["net0"] = "virtio=BC:24:11:00:00:99,bridge=vmbr0";
      (world.faults as Record<string, unknown>)["talosConnectionRefused"] = ["192.168.1.31"];
    });
    const failures = [];
    for (const check of ["vms-running", "vms-identity", "vms-mac", "talos-api"]) {
      const result = await verifyVms(lab, check);
      expect(result.exitCode, check).toBe(1);
      failures.push(result.lines.at(-1));
    }
    expect(failures).toEqual([
      "verify vms failed: check vms-running: cp-2 (vmid 122 on pve) is stopped, not running (Proxmox status/current)",
      'verify vms failed: check vms-identity: cp-2 (vmid 122 on pve) is named "old-cp-2", not "cp-2"',
      'verify vms failed: check vms-mac: w-1 (vmid 131 on pve) has net0 "virtio=BC:24:11:00:00:99,bridge=vmbr0": MAC bc:24:11:00:00:99, the cluster file says bc:24:11:00:00:31',
      "verify vms failed: check talos-api: cp-2 (192.168.1.22): the Talos API does not answer: error getting resources: " +
        'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.22:50000: i/o timeout"; ' +
        "w-1 (192.168.1.31): the Talos API does not answer: error getting resources: " +
        'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.31:50000: connect: connection refused"',
    ]);
  });

  it("counts a configured node that asks for its certificate as an answering Talos API", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    lab.lab.change((world) => {
      for (const machine of Object.values(world.talos.machines)) {
        machine.stage = "running";
      }
    });
    expect(await verifyVms(lab, "talos-api")).toEqual({
      lines: ["check talos-api: ok (the Talos API answers on port 50000 at every node's address)"],
      exitCode: 0,
    });
  });

  it("says when the token secret is missing, with exit 78 (a configuration error the loop stops on)", async () => {
    lab = await startHomelabLab((text) => text.replace(/ {2}tokenSecretFile: .*\n/, ""));
    expect(await verifyVms(lab, "vms-running")).toEqual({
      lines: [
        "check vms-running: PROXMOX_TOKEN_SECRET is not set: export it with the secret of the API token automation@pve!orchestrator (or set proxmox.tokenSecretFile)",
      ],
      exitCode: 78,
    });
  });
});

describe("macOfNet0", () => {
  it.each([
    ["virtio=BC:24:11:00:00:21,bridge=vmbr0", "bc:24:11:00:00:21"],
    ["virtio=bc:24:11:00:00:21,bridge=vmbr0,tag=20,firewall=1", "bc:24:11:00:00:21"],
    ["e1000=BC:24:11:00:00:21,bridge=vmbr0", "bc:24:11:00:00:21"],
    ["bridge=vmbr0,virtio=BC:24:11:00:00:21", "bc:24:11:00:00:21"],
    ["virtio,bridge=vmbr0", undefined],
  ])("reads the MAC of %s", (net0, mac) => {
    expect(macOfNet0(net0)).toBe(mac);
  });
});

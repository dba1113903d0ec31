import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProxmoxClient, ProxmoxError } from "../../src/homelab/proxmox/index.ts";
import { readWorld } from "../world/index.ts";
import { type LabFixture, startLabFixture } from "./lab-fixture.ts";

/** Changing a VM's NIC in the lab Proxmox, as qemu-server does it (vm-config.ts cites it). */

let lab: LabFixture;
let client: ProxmoxClient;

beforeEach(async () => {
  lab = await startLabFixture({ dhcpReservations: { "bc:24:11:00:00:22": "192.168.1.22" } });
  client = new ProxmoxClient({
    endpoint: lab.server.url,
    tokenId: lab.token.id,
    tokenSecret: lab.token.secret,
  });
  lab.change((world) => {
    world.proxmox.vms["122"] = {
      vmid: 122,
      node: "pve",
      name: "cp-2",
      status: "running",
      config: { name: "cp-2", net0: "virtio=BC:24:11:00:00:2F,bridge=vmbr0", hotplug: "disk,usb" },
    };
    world.talos.machines["122"] = {
      vmid: 122,
      name: "cp-2",
      mac: "bc:24:11:00:00:2f",
      ip: null,
      stage: "maintenance",
      isoTalosVersion: "v1.12.4",
    };
  });
});

afterEach(async () => {
  await lab.close();
});

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (error: unknown) => (error instanceof ProxmoxError ? `${error.status} ${error.reason}` : String(error)),
  );

describe("the lab Proxmox changing a VM's NIC", () => {
  it("keeps a new MAC pending on a running VM without network hotplug: config shows it, current and pending tell", async () => {
    await client.setVmNic("pve", 122, { key: "net0", value: "virtio=BC:24:11:00:00:22,bridge=vmbr0" });
    expect((await client.vmConfig("pve", 122))?.["net0"]).toBe("virtio=BC:24:11:00:00:22,bridge=vmbr0");
    expect(await client.get("/nodes/pve/qemu/122/config?current=1")).toMatchObject({
      net0: "virtio=BC:24:11:00:00:2F,bridge=vmbr0",
    });
    expect((await client.vmPending("pve", 122)).find((option) => option.key === "net0")).toEqual({
      key: "net0",
      value: "virtio=BC:24:11:00:00:2F,bridge=vmbr0",
      pending: "virtio=BC:24:11:00:00:22,bridge=vmbr0",
    });
    expect(readWorld(lab.worldFile).talos.machines["122"]?.ip).toBeNull();
  });

  it("changes only the bridge live, even without network hotplug, and the guest keeps its MAC", async () => {
    lab.change((world) => {
      const node = world.proxmox.nodes["pve"];
      if (node) {
        node.bridges["vmbr1"] = { active: true };
      }
    });
    await client.setVmNic("pve", 122, { key: "net0", value: "virtio=BC:24:11:00:00:2F,bridge=vmbr1" });
    const world = readWorld(lab.worldFile);
    expect(world.proxmox.vms["122"]?.config["net0"]).toBe("virtio=BC:24:11:00:00:2F,bridge=vmbr1");
    expect(world.proxmox.vms["122"]?.["pending"]).toBeUndefined();
  });

  it("refuses a change computed from a config that has changed since", async () => {
    const digest = String((await client.vmConfig("pve", 122))?.["digest"]);
    await client.setVmNic("pve", 122, {
      key: "net0",
      value: "virtio=BC:24:11:00:00:22,bridge=vmbr0",
      digest,
    });
    expect(
      await reasonOf(
        client.setVmNic("pve", 122, { key: "net0", value: "virtio=BC:24:11:00:00:23,bridge=vmbr0", digest }),
      ),
    ).toBe("500 checksum mismatch (file change by other user?)");
  });

  it("needs SDN.Use on the bridge, as a privilege-separated token shows", async () => {
    lab.change((world) => {
      world.proxmox.tokenAcl[lab.token.id] = { "/vms/122": ["VM.Config.Network", "VM.Audit"] };
    });
    expect(
      await reasonOf(
        client.setVmNic("pve", 122, { key: "net0", value: "virtio=BC:24:11:00:00:22,bridge=vmbr0" }),
      ),
    ).toMatch(/^403 Permission check failed \(\/sdn\/zones\/localnetwork\/vmbr0, SDN\.Use\)$/);
  });
});

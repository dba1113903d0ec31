import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { type LabWorldOptions, readWorld } from "../../../lab/world/index.ts";
import { type ClusterFile, EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { ProxmoxClient, ProxmoxTaskError } from "../proxmox/index.ts";
import { isoFileName, runVmsStage, VmsStageError, type VmsStageSummary } from "./vms.ts";

let lab: LabFixture | undefined;

afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const RESERVATIONS = {
  "bc:24:11:00:00:21": "192.168.1.21",
  "bc:24:11:00:00:22": "192.168.1.22",
  "bc:24:11:00:00:23": "192.168.1.23",
  "bc:24:11:00:00:31": "192.168.1.31",
};

async function setUp(world: LabWorldOptions = {}) {
  lab = await startLabFixture({ dhcpReservations: RESERVATIONS, ...world });
  const cluster = parseClusterFile(
    EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.server.url),
    "config/clusters/prox-n100.yaml",
  );
  const client = new ProxmoxClient({
    endpoint: lab.server.url,
    tokenId: lab.token.id,
    tokenSecret: lab.token.secret,
  });
  return { lab, cluster, client };
}

async function run(
  cluster: ClusterFile,
  client: ProxmoxClient,
): Promise<{ summary: VmsStageSummary; lines: string[] }> {
  const lines: string[] = [];
  const summary = await runVmsStage({
    cluster,
    client,
    log: (line) => lines.push(line),
    wait: { pollMs: 0 },
  });
  return { summary, lines };
}

async function failureOf(
  cluster: ClusterFile,
  client: ProxmoxClient,
): Promise<{ error: Error; lines: string[] }> {
  const lines: string[] = [];
  try {
    await runVmsStage({ cluster, client, log: (line) => lines.push(line), wait: { pollMs: 0 } });
  } catch (error) {
    return { error: error as Error, lines };
  }
  throw new Error("expected the stage to fail");
}

function destructiveRequests(fixture: LabFixture) {
  return fixture.server.requests.filter(
    (request) =>
      request.method === "DELETE" || /\/status\/(stop|reset|shutdown)$|\/resize$/.test(request.path),
  );
}

function posts(fixture: LabFixture) {
  return fixture.server.requests.filter((request) => request.method !== "GET");
}

describe("the vms stage", () => {
  it("downloads the ISO once, creates and starts every VM, and leaves Talos nodes in maintenance", async () => {
    const { lab, cluster, client } = await setUp();
    const { summary, lines } = await run(cluster, client);
    expect(summary.nodes.map((node) => node.outcome)).toEqual(["created", "created", "created", "created"]);
    expect(summary.isos).toEqual([
      { pveNode: "pve", volid: `local:iso/${isoFileName(cluster)}`, downloaded: true },
    ]);
    expect(lines.at(-1)).toBe("vms: 4 VMs running (created 4, started 0, adopted 0, unchanged 0)");
    const world = readWorld(lab.worldFile);
    expect(Object.values(world.proxmox.vms).map((vm) => [vm.vmid, vm.status])).toEqual([
      [121, "running"],
      [122, "running"],
      [123, "running"],
      [131, "running"],
    ]);
    expect(world.proxmox.vms["131"]?.config).toMatchObject({
      tags: "homelab-orchestrator",
      memory: 16384,
      cpu: "x86-64-v2-AES",
      net0: "virtio=BC:24:11:00:00:31,bridge=vmbr0",
      boot: "order=scsi0;ide2",
    });
    expect(world.talos.machines["121"]).toMatchObject({
      stage: "maintenance",
      ip: "192.168.1.21",
      isoTalosVersion: "v1.12.4",
    });
  });

  it("changes nothing on a second run: no POST, no new task", async () => {
    const { lab, cluster, client } = await setUp();
    await run(cluster, client);
    const tasksBefore = Object.keys(readWorld(lab.worldFile).proxmox.tasks);
    const postsBefore = posts(lab).length;
    const { summary, lines } = await run(cluster, client);
    expect(summary.nodes.map((node) => node.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(summary.isos[0]?.downloaded).toBe(false);
    expect(posts(lab)).toHaveLength(postsBefore);
    expect(Object.keys(readWorld(lab.worldFile).proxmox.tasks)).toEqual(tasksBefore);
    expect(lines.at(-1)).toBe("vms: 4 VMs running (created 0, started 0, adopted 0, unchanged 4)");
  });

  it("starts a VM that was stopped, and only that one", async () => {
    const { lab, cluster, client } = await setUp();
    await run(cluster, client);
    lab.change((world) => {
      const vm = world.proxmox.vms["122"];
      if (vm) {
        vm.status = "stopped";
      }
    });
    const { summary } = await run(cluster, client);
    expect(summary.nodes.map((node) => node.outcome)).toEqual([
      "unchanged",
      "started",
      "unchanged",
      "unchanged",
    ]);
    expect(posts(lab).at(-1)?.path).toBe("/nodes/pve/qemu/122/status/start");
  });

  it("waits for the create task an interrupted run left behind instead of creating again", async () => {
    const { lab, cluster, client } = await setUp({ taskPolls: 3 });
    await run(cluster, client);
    lab.change((world) => {
      delete world.proxmox.vms["131"];
      delete world.talos.machines["131"];
    });
    const iso = `local:iso/${isoFileName(cluster)}`;
    const orphan = await client.createVm("pve", {
      vmid: 131,
      name: "w-1",
      tags: "homelab-orchestrator",
      description: "Created by homelab-orchestrator for cluster prox-n100 (worker).",
      cpu: "x86-64-v2-AES",
      cores: 4,
      memory: 16384,
      scsi0: "local-lvm:64",
      ide2: `${iso},media=cdrom`,
      net0: "virtio=BC:24:11:00:00:31,bridge=vmbr0",
    });
    const { summary, lines } = await run(cluster, client);
    expect(lines).toContain(`vm w-1 (131 on pve): locked (create); waiting for the running task ${orphan}`);
    expect(summary.nodes[3]).toMatchObject({ name: "w-1", outcome: "started" });
    const creates = lab.server.requests.filter(
      (request) => request.method === "POST" && request.path === "/nodes/pve/qemu",
    );
    expect(creates.filter((request) => request.params["vmid"] === "131")).toHaveLength(2);
  });

  it("adopts a VM with our tag and name, reporting drift without changing it", async () => {
    const { lab, cluster, client } = await setUp();
    lab.change((world) => {
      world.proxmox.vms["121"] = {
        vmid: 121,
        node: "pve",
        name: "cp-1",
        status: "running",
        config: {
          name: "cp-1",
          tags: "homelab-orchestrator",
          memory: 4096,
          cores: 4,
          net0: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
        },
      };
    });
    const { summary, lines } = await run(cluster, client);
    expect(summary.nodes[0]).toMatchObject({
      outcome: "adopted",
      drift: ["memory is 4096 MiB, the cluster file says 8192"],
    });
    expect(lines).toContain(
      "vm cp-1 (121 on pve): drift: memory is 4096 MiB, the cluster file says 8192 (left as is: the tool changes only a VM's NIC)",
    );
    expect(readWorld(lab.worldFile).proxmox.vms["121"]?.config["memory"]).toBe(4096);
    expect(
      posts(lab).some((request) => request.params["vmid"] === "121" || request.path.includes("/121/")),
    ).toBe(false);
  });

  it("stops at a vmid that belongs to someone else, and leaves that VM alone", async () => {
    const { lab, cluster, client } = await setUp();
    lab.change((world) => {
      world.proxmox.vms["122"] = {
        vmid: 122,
        node: "pve",
        name: "db-1",
        status: "running",
        config: { name: "db-1", memory: 2048 },
      };
    });
    const { error } = await failureOf(cluster, client);
    expect(error).toBeInstanceOf(VmsStageError);
    expect(error.message).toBe(
      'proxmox: vmid 122 on node pve belongs to another VM ("db-1", tags: none): it does not carry the tag homelab-orchestrator; choose a free vmid for node cp-2 in the cluster file (prox-n100)',
    );
    expect(readWorld(lab.worldFile).proxmox.vms["122"]).toMatchObject({ name: "db-1", status: "running" });
    expect(
      posts(lab).some((request) => request.path.includes("/122/") || request.params["vmid"] === "122"),
    ).toBe(false);
  });

  it("names the storages a node has when the configured one is missing, before any task", async () => {
    const { lab, cluster, client } = await setUp({
      storages: { local: ["iso", "vztmpl", "backup"], "local-zfs": ["images", "rootdir"] },
    });
    const { error } = await failureOf(cluster, client);
    expect(error.message).toBe(
      'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage',
    );
    expect(posts(lab)).toEqual([]);
  });

  it("says when the ISO storage cannot hold ISOs", async () => {
    const { cluster, client } = await setUp({
      storages: { local: ["backup"], "local-lvm": ["images", "rootdir"] },
    });
    const { error } = await failureOf(cluster, client);
    expect(error.message).toBe(
      'proxmox: storage "local" on node pve does not hold iso (content: backup); set proxmox.isoStorage to one that does (none on this node)',
    );
  });

  it("names the bridges a node has when the configured one is missing", async () => {
    const { cluster, client } = await setUp({ bridges: ["vmbr1"] });
    const { error } = await failureOf(cluster, client);
    expect(error.message).toBe(
      'proxmox: bridge "vmbr0" does not exist on node pve (it has: vmbr1); set proxmox.bridge',
    );
  });

  it("ends with the real Proxmox error when the bridge is missing inside the start task", async () => {
    const { lab, cluster, client } = await setUp();
    lab.change((world) => {
      world.faults.bridgeMissingInTask.push("vmbr0");
    });
    const { error, lines } = await failureOf(cluster, client);
    expect(error).toBeInstanceOf(ProxmoxTaskError);
    expect(error.message).toBe(
      "proxmox: task qmstart of 121 on pve failed: start failed: QEMU exited with code 1",
    );
    expect(lines).toContain("  bridge 'vmbr0' does not exist");
    expect(lines.at(-1)).toBe("  TASK ERROR: start failed: QEMU exited with code 1");
  });

  it("recovers on the next run after a lock timeout", async () => {
    const { lab, cluster, client } = await setUp();
    lab.change((world) => {
      world.faults.lockTimeoutOnce.push(123);
    });
    const { error } = await failureOf(cluster, client);
    expect(error.message).toBe(
      "proxmox: task qmcreate of 123 on pve failed: can't lock file '/var/lock/qemu-server/lock-123.conf' - got timeout",
    );
    const { summary } = await run(cluster, client);
    expect(summary.nodes.map((node) => node.outcome)).toEqual([
      "unchanged",
      "unchanged",
      "created",
      "created",
    ]);
  });

  it("never asks Proxmox to delete, stop, reset or resize, whatever happens", async () => {
    const { lab, cluster, client } = await setUp();
    await run(cluster, client);
    lab.change((world) => {
      world.faults.lockTimeoutOnce.push(121);
      const vm = world.proxmox.vms["121"];
      if (vm) {
        vm.status = "stopped";
      }
    });
    await failureOf(cluster, client);
    await run(cluster, client);
    expect(lab.server.requests.length).toBeGreaterThan(20);
    expect(destructiveRequests(lab)).toEqual([]);
  });
});

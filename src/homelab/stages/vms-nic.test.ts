import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile, resolveNodes } from "../cluster-file/index.ts";
import { ProxmoxClient } from "../proxmox/index.ts";
import { needsHumanLine } from "./human-causes.ts";
import { type HomelabLab, startHomelabLab } from "./lab-homelab.fixture.ts";
import { runVmsStage, VmsStageError } from "./vms.ts";
import { net0Change } from "./vms-nic.ts";

/** The vms stage keeps a VM's NIC on the cluster file's MAC, bridge and VLAN (vms-nic.ts). */

let lab: LabFixture | undefined;
let homelab: HomelabLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
  await homelab?.lab.close();
  homelab = undefined;
});

const CLUSTER_PATH = "config/clusters/prox-n100.yaml";
const TYPO = 'mac: "bc:24:11:00:00:2f"';

/** A lab where cp-2 was created and booted with a MAC typo that has no DHCP reservation. */
async function labWithTypoVm() {
  lab = await startLabFixture({
    dhcpReservations: {
      "bc:24:11:00:00:21": "192.168.1.21",
      "bc:24:11:00:00:22": "192.168.1.22",
      "bc:24:11:00:00:23": "192.168.1.23",
      "bc:24:11:00:00:31": "192.168.1.31",
    },
  });
  const text = EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.server.url);
  const client = new ProxmoxClient({
    endpoint: lab.server.url,
    tokenId: lab.token.id,
    tokenSecret: lab.token.secret,
  });
  const stage = async (clusterText: string) => {
    const lines: string[] = [];
    const cluster = parseClusterFile(clusterText, CLUSTER_PATH);
    const summary = await runVmsStage({
      cluster,
      client,
      log: (line) => lines.push(line),
      wait: { pollMs: 0 },
    });
    return { summary, lines };
  };
  await stage(text.replace('mac: "bc:24:11:00:00:22"', TYPO));
  return { lab, text, stage };
}

describe("the vms stage and a VM's NIC", () => {
  it("boots a VM with a MAC typo on no reserved address", async () => {
    const { lab } = await labWithTypoVm();
    expect(readWorld(lab.worldFile).talos.machines["122"]).toMatchObject({
      mac: "bc:24:11:00:00:2f",
      ip: null,
    });
  });

  it("re-points a running VM's NIC at the fixed MAC, and the maintenance node takes its reserved address", async () => {
    const { lab, text, stage } = await labWithTypoVm();
    const { summary, lines } = await stage(text);
    expect(summary.nodes[1]).toMatchObject({
      name: "cp-2",
      outcome: "unchanged",
      nic: ["MAC bc:24:11:00:00:2f → bc:24:11:00:00:22"],
    });
    expect(lines).toContain(
      "vm cp-2 (122 on pve): net0 set to virtio=BC:24:11:00:00:22,bridge=vmbr0 (MAC bc:24:11:00:00:2f → bc:24:11:00:00:22), as the cluster file says",
    );
    const world = readWorld(lab.worldFile);
    expect(world.proxmox.vms["122"]?.config["net0"]).toBe("virtio=BC:24:11:00:00:22,bridge=vmbr0");
    expect(world.proxmox.vms["122"]?.status).toBe("running");
    expect(world.talos.machines["122"]).toMatchObject({ mac: "bc:24:11:00:00:22", ip: "192.168.1.22" });
    const puts = lab.server.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.path)).toEqual(["/nodes/pve/qemu/122/config"]);
    expect(puts[0]?.params["digest"]).toMatch(/^[0-9a-f]{40}$/);
  });

  it("leaves a NIC that already matches alone on the next run", async () => {
    const { lab, text, stage } = await labWithTypoVm();
    await stage(text);
    const before = lab.server.requests.length;
    const { summary } = await stage(text);
    expect(summary.nodes.map((node) => node.nic)).toEqual([[], [], [], []]);
    expect(lab.server.requests.slice(before).filter((request) => request.method !== "GET")).toEqual([]);
  });

  it("stops, naming the restart, when Proxmox keeps the new MAC pending because network hotplug is off", async () => {
    const { lab, text, stage } = await labWithTypoVm();
    lab.change((world) => {
      const vm = world.proxmox.vms["122"];
      if (vm) {
        vm.config["hotplug"] = "disk,usb";
      }
    });
    const error = await stage(text).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(VmsStageError);
    expect((error as Error).message).toBe(
      "proxmox: vm cp-2 (122 on pve): net0 virtio=BC:24:11:00:00:22,bridge=vmbr0 is pending: Proxmox could not hot-plug it (the VM's hotplug option lacks network), so the VM still runs virtio=BC:24:11:00:00:2F,bridge=vmbr0; restart the VM in Proxmox to apply it (the tool never restarts a VM)",
    );
    expect(readWorld(lab.worldFile).talos.machines["122"]).toMatchObject({
      mac: "bc:24:11:00:00:2f",
      ip: null,
    });
    expect(needsHumanLine((error as Error).message)).toMatch(
      /^needs a human: the VM runs its old NIC until it restarts: restart it in Proxmox/,
    );
  });
});

describe("a MAC typo fixed in the cluster file", { tags: ["slow"], timeout: 240_000 }, () => {
  it("fails the vms stage's Talos API check, then reaches the VM on the next run, and talos converges", async () => {
    homelab = await startHomelabLab((text) => text.replace('mac: "bc:24:11:00:00:22"', TYPO));
    const typo = await homelab.step("vms");
    expect(typo.exitCode).toBe(1);
    expect(typo.lines.at(-1)).toMatch(
      /^step vms failed: check talos-api: cp-2 \(192\.168\.1\.22\): the Talos API does not answer: .*i\/o timeout"$/,
    );
    const clusterFile = join(homelab.worktree, "config/clusters/lab.yaml");
    await writeFile(
      clusterFile,
      (await readFile(clusterFile, "utf8")).replace(TYPO, 'mac: "bc:24:11:00:00:22"'),
    );
    const fixed = await homelab.step("vms");
    expect(fixed.exitCode, fixed.lines.join("\n")).toBe(0);
    expect(fixed.lines).toContain(
      "vm cp-2 (122 on pve): net0 set to virtio=BC:24:11:00:00:22,bridge=vmbr0 (MAC bc:24:11:00:00:2f → bc:24:11:00:00:22), as the cluster file says",
    );
    const talos = await homelab.step("talos");
    expect(talos.exitCode, talos.lines.join("\n")).toBe(0);
  });
});

describe("the new net0 of a VM", () => {
  const cluster = parseClusterFile(EXAMPLE_CLUSTER_FILE, CLUSTER_PATH);
  const node = resolveNodes(cluster)[0];
  if (!node) {
    throw new Error("the example has nodes");
  }

  it("keeps the NIC's other options and names the bridge and model it changes", () => {
    expect(net0Change("e1000=BC:24:11:00:00:21,bridge=vmbr9,firewall=1", cluster, node)).toEqual({
      value: "virtio=BC:24:11:00:00:21,bridge=vmbr0,firewall=1",
      differences: ["model e1000 → virtio", "bridge vmbr9 → vmbr0"],
    });
  });

  it("drops a VLAN tag the cluster file does not set", () => {
    expect(net0Change("virtio=BC:24:11:00:00:21,bridge=vmbr0,tag=30", cluster, node)).toEqual({
      value: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
      differences: ["VLAN tag 30 → none"],
    });
  });
});

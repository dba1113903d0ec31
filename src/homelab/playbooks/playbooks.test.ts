import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { ConfigError } from "../../errors/index.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import {
  installableDisks,
  liveFactSource,
  missingBridgePlaybook,
  missingInstallDiskPlaybook,
  missingStoragePlaybook,
  nodeIpOutsideSubnetPlaybook,
  type PlaybookFactSource,
  runPlaybooks,
  talosContractPlaybook,
} from "./index.ts";

const CLUSTER_PATH = "config/clusters/prox-n100.yaml";
/** `talosctl get disks --insecure` on a Proxmox VM, as printed in siderolabs/talos#11097. */
const DISKS_TABLE = [
  "NODE   NAMESPACE   TYPE   ID      VERSION   SIZE     READ ONLY   TRANSPORT   ROTATIONAL   WWID   MODEL           SERIAL",
  "       runtime     Disk   loop0   2         4.1 kB   true",
  "       runtime     Disk   loop1   2         79 MB    true",
  "       runtime     Disk   sda     2         34 GB    false       virtio      true                QEMU HARDDISK",
  "       runtime     Disk   sr0     2         320 MB   false       ata                             QEMU DVD-ROM",
].join("\n");

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function worktreeWith(clusterText: string): string {
  const dir = mkdtempSync(join(tmpdir(), "playbook-"));
  mkdirSync(join(dir, "config", "clusters"), { recursive: true });
  writeFileSync(join(dir, CLUSTER_PATH), clusterText);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function lab(
  options: Parameters<typeof startLabFixture>[0],
): Promise<{ fixture: LabFixture; clusterText: string }> {
  const fixture = await startLabFixture(options);
  cleanups.push(() => fixture.close());
  return {
    fixture,
    clusterText: EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", fixture.server.url),
  };
}

function liveFacts(fixture: LabFixture, path = process.env["PATH"] ?? ""): PlaybookFactSource {
  return liveFactSource({
    baseDir: tmpdir(),
    env: { PROXMOX_TOKEN_SECRET: fixture.token.secret, PATH: path },
  });
}

const evidence = (...lines: string[]) => ({ lines, logTail: `${lines.join("\n")}\n` });
const noFacts: PlaybookFactSource = {
  storages: () => Promise.reject(new Error("not asked")),
  bridges: () => Promise.reject(new Error("not asked")),
  vmConfig: () => Promise.reject(new Error("not asked")),
  privileges: () => Promise.reject(new Error("not asked")),
  talosDisks: () => Promise.reject(new Error("not asked")),
  nodes: () => Promise.reject(new Error("not asked")),
};

describe("the missing-storage playbook", () => {
  it("matches the Proxmox reason phrase and the vms stage's preflight line", () => {
    expect(missingStoragePlaybook.matches(evidence("proxmox: 500 storage 'local-lvm' does not exist"))).toBe(
      true,
    );
    expect(
      missingStoragePlaybook.matches(
        evidence(
          'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage',
        ),
      ),
    ).toBe(true);
  });

  it.each([
    "proxmox: 500 volume 'local:iso/talos-v1.9.5.iso' does not exist",
    'proxmox: storage "local" on node pve does not hold iso (content: backup); set proxmox.isoStorage to one that does (none on this node)',
    "  bridge 'vmbr0' does not exist",
    "proxmox: 500 Configuration file 'nodes/pve/qemu-server/121.conf' does not exist",
  ])("does not match %s", (line) => {
    expect(missingStoragePlaybook.matches(evidence(line))).toBe(false);
  });

  it("switches proxmox.storage to the node's storage that holds images, keeping the file's comments", async () => {
    const { fixture, clusterText } = await lab({
      storages: { local: ["iso", "vztmpl", "backup"], "local-zfs": ["images", "rootdir"] },
    });
    const worktree = worktreeWith(clusterText);
    const result = await runPlaybooks({
      worktree,
      evidence: evidence(
        'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage',
      ),
      facts: liveFacts(fixture),
    });
    expect(result).toMatchObject({
      kind: "changed",
      playbook: "proxmox-storage-missing",
      path: CLUSTER_PATH,
    });
    const text = readFileSync(join(worktree, CLUSTER_PATH), "utf8");
    expect(text).toContain("  storage: local-zfs                        # holds VM disks (content: images)");
    expect(text.replace("storage: local-zfs ", "storage: local-lvm ")).toBe(clusterText);
    expect(parseClusterFile(text, CLUSTER_PATH).proxmox.storage).toBe("local-zfs");
  });

  it("changes nothing when no storage on the node holds images", async () => {
    const { fixture, clusterText } = await lab({ storages: { local: ["iso", "backup"] } });
    const worktree = worktreeWith(clusterText);
    const result = await runPlaybooks({
      worktree,
      evidence: evidence("proxmox: 500 storage 'local-lvm' does not exist"),
      facts: liveFacts(fixture),
    });
    expect(result.kind).toBe("no_change");
    expect(result.kind === "no_change" && result.summary).toContain(
      "node pve has no active storage holding images",
    );
    expect(readFileSync(join(worktree, CLUSTER_PATH), "utf8")).toBe(clusterText);
  });
});

describe("the missing-bridge playbook", () => {
  it("switches proxmox.bridge to the node's only bridge", async () => {
    const { fixture, clusterText } = await lab({ bridges: ["vmbr1"] });
    const worktree = worktreeWith(clusterText);
    const result = await runPlaybooks({
      worktree,
      evidence: evidence(
        'proxmox: bridge "vmbr0" does not exist on node pve (it has: vmbr1); set proxmox.bridge',
      ),
      facts: liveFacts(fixture),
    });
    expect(result).toMatchObject({ kind: "changed", playbook: "proxmox-bridge-missing" });
    expect(
      parseClusterFile(readFileSync(join(worktree, CLUSTER_PATH), "utf8"), CLUSTER_PATH).proxmox.bridge,
    ).toBe("vmbr1");
  });

  it("matches the qmstart task log line and leaves a bridge the node itself lists alone", async () => {
    expect(missingBridgePlaybook.matches(evidence("  bridge 'vmbr0' does not exist"))).toBe(true);
    const { fixture, clusterText } = await lab({ bridges: ["vmbr0"] });
    const result = await missingBridgePlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText, facts: liveFacts(fixture) },
      evidence("  bridge 'vmbr0' does not exist", "  TASK ERROR: start failed: QEMU exited with code 1"),
    );
    expect(result).toEqual({
      kind: "no_change",
      reason: "node pve has no other active bridge (it has: vmbr0); a human must create one",
    });
  });

  it.each([
    'proxmox: bridge "vmbr0" on node pve is not active; apply the pending network configuration on the node',
    "proxmox: 500 storage 'vmbr0' does not exist",
    "start failed: QEMU exited with code 1",
  ])("does not match %s", (line) => {
    expect(missingBridgePlaybook.matches(evidence(line))).toBe(false);
  });
});

describe("the missing-install-disk playbook", () => {
  /** The talos stage's disk preflight (stages/talos-disks.ts), the only text this playbook matches. */
  const preflightError = [
    "step talos failed: talos: cp-2 (192.168.1.22): install disk /dev/vda is not on the node; its disks: /dev/sda (34 GB, virtio, QEMU HARDDISK); set talos.installDisk (or this node's installDisk) to one of them",
  ];

  function fakeTalosctl(table: string): string {
    const dir = mkdtempSync(join(tmpdir(), "fake-talosctl-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "args"), "");
    writeFileSync(
      join(dir, "talosctl"),
      `#!/bin/sh\necho "$@" >> "${join(dir, "args")}"\ncat <<'TABLE'\n${table}\nTABLE\n`,
    );
    chmodSync(join(dir, "talosctl"), 0o755);
    return dir;
  }

  it("reads the installable disks from talosctl get disks, leaving out loop devices and the CD-ROM", () => {
    expect(installableDisks(DISKS_TABLE)).toEqual(["/dev/sda"]);
  });

  it("sets talos.installDisk to the one disk the maintenance node reports", async () => {
    const { fixture, clusterText } = await lab({});
    const withVda = clusterText.replace("installDisk: /dev/sda ", "installDisk: /dev/vda ");
    const worktree = worktreeWith(withVda);
    const bin = fakeTalosctl(DISKS_TABLE);
    const result = await runPlaybooks({
      worktree,
      evidence: evidence(...preflightError),
      facts: liveFacts(fixture, `${bin}:${process.env["PATH"]}`),
    });
    expect(result).toMatchObject({ kind: "changed", playbook: "talos-install-disk-missing" });
    expect(
      parseClusterFile(readFileSync(join(worktree, CLUSTER_PATH), "utf8"), CLUSTER_PATH).talos.installDisk,
    ).toBe("/dev/sda");
    expect(readFileSync(join(bin, "args"), "utf8").trim()).toBe(
      "get disks --insecure -n 192.168.1.22 -e 192.168.1.22",
    );
  });

  it("leaves two candidate disks to a human", async () => {
    const twoDisks = `${DISKS_TABLE}\n       runtime     Disk   sdb     2         34 GB    false       virtio      true                QEMU HARDDISK`;
    const result = await missingInstallDiskPlaybook.attempt(
      {
        clusterPath: CLUSTER_PATH,
        clusterText: EXAMPLE_CLUSTER_FILE,
        facts: { ...noFacts, talosDisks: async () => twoDisks },
      },
      evidence(
        "talos: cp-1 (192.168.1.21): install disk /dev/vda is not on the node; its disks: /dev/sda (34 GB), /dev/sdb (34 GB); set talos.installDisk (or this node's installDisk) to one of them",
      ),
    );
    expect(result).toEqual({
      kind: "no_change",
      reason: "node cp-1 (192.168.1.21) reports several disks (/dev/sda, /dev/sdb); a human must choose",
    });
  });

  it.each([
    // Talos < 1.9 said this at apply-config; since 1.9 nothing does (the pack supports 1.10+).
    '        * specified install disk does not exist: "/dev/vda"',
    "[talos] error running phase 2 in install sequence: no system disk found",
    '        * no disks matched the expression: disk.size <= 1000000000000u && disk.transport != "" && !disk.readonly && !disk.cdrom',
    "proxmox: 500 volume 'local-lvm:vm-121-disk-0' does not exist",
    '[talos] task install (1/1): failed: task "upgrade" failed: exit code 1',
  ])("does not match %s", (line) => {
    expect(missingInstallDiskPlaybook.matches(evidence(line))).toBe(false);
  });
});

describe("the node-IP-outside-subnet playbook", () => {
  function configErrorFor(text: string): string {
    try {
      parseClusterFile(text, CLUSTER_PATH);
    } catch (error) {
      if (error instanceof ConfigError) {
        return error.message;
      }
      throw error;
    }
    throw new Error("the cluster file was valid");
  }

  it("moves the node into the subnet at the same host number when that address is free", async () => {
    const bad = EXAMPLE_CLUSTER_FILE.replace("ip: 192.168.1.22,", "ip: 192.168.2.22,");
    const message = configErrorFor(bad);
    expect(message).toBe(
      `${CLUSTER_PATH}:41: nodes.1.ip: 192.168.2.22 is outside network.cidr 192.168.1.0/24 (or is its network/broadcast address)`,
    );
    const worktree = worktreeWith(bad);
    const result = await runPlaybooks({ worktree, evidence: evidence(message), facts: noFacts });
    expect(result).toMatchObject({ kind: "changed", playbook: "node-ip-outside-subnet" });
    const fixed = readFileSync(join(worktree, CLUSTER_PATH), "utf8");
    expect(fixed).toBe(EXAMPLE_CLUSTER_FILE);
  });

  it("changes nothing when the matching address is taken", async () => {
    const bad = EXAMPLE_CLUSTER_FILE.replace("ip: 192.168.1.22,", "ip: 192.168.2.21,");
    const result = await nodeIpOutsideSubnetPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText: bad, facts: noFacts },
      evidence(configErrorFor(bad)),
    );
    expect(result).toEqual({
      kind: "no_change",
      reason:
        "192.168.1.21, the matching host in 192.168.1.0/24, is already taken; a human must choose the address",
    });
  });

  it.each([
    `${CLUSTER_PATH}:39: kubernetes.endpoint.vip: 192.168.2.20 is outside network.cidr 192.168.1.0/24`,
    `${CLUSTER_PATH}:48: nodes.1.ip: 192.168.1.1 is the gateway address`,
  ])("does not match %s", (line) => {
    expect(nodeIpOutsideSubnetPlaybook.matches(evidence(line))).toBe(false);
  });
});

describe("the Talos contract playbook", () => {
  const unknownKeys =
    "error applying new configuration: rpc error: code = InvalidArgument desc = unknown keys found during decoding: machine.install.grubUseUKICmdline";

  it("makes talos.version match the ISO the VM booted", async () => {
    const facts: PlaybookFactSource = {
      ...noFacts,
      vmConfig: async (_text, node, vmid) =>
        node === "pve" && vmid === 121
          ? { ide2: "local:iso/talos-v1.11.5-0a1b2c3d4e5f6a7b.iso,media=cdrom", name: "cp-1" }
          : undefined,
    };
    const result = await talosContractPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText: EXAMPLE_CLUSTER_FILE, facts },
      evidence(unknownKeys),
    );
    expect(result.kind).toBe("changed");
    if (result.kind === "changed") {
      expect(parseClusterFile(result.text, CLUSTER_PATH).talos.version).toBe("v1.11.5");
      expect(result.text).toContain("version: v1.11.5                          # one value for the ISO");
    }
  });

  it("does not match an unknown talosctl flag", () => {
    expect(talosContractPlaybook.matches(evidence("Error: unknown flag: --insecure"))).toBe(false);
  });
});

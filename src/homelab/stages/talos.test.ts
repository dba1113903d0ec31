import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { viewOf } from "../../../lab/fake-cli/index.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { type HomelabLab, startHomelabLab } from "./lab-homelab.fixture.ts";

let lab: HomelabLab | undefined;

afterEach(async () => {
  await lab?.lab.close();
  lab = undefined;
});

const hash = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");
const talosState = (homelab: HomelabLab) => viewOf(readWorld(homelab.lab.worldFile)).talos;

describe("orchestrator step talos", { tags: ["slow"], timeout: 120_000 }, () => {
  it("installs every maintenance node, bootstraps etcd once and fetches the kubeconfig into the checkout", async () => {
    lab = await startHomelabLab();
    expect((await lab.step("vms")).exitCode).toBe(0);
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode, lines.join("\n")).toBe(0);
    expect(lines.at(-1)).toBe("step talos: done");
    expect(lines).toContain("check etcd-members: ok (etcd members are exactly the control planes)");
    expect(lines).toContain("check api-ready: ok (kubectl get --raw /readyz prints ok)");
    const state = talosState(lab);
    expect(state.bootstrapCalls).toBe(1);
    expect(Object.values(state.machines).map((machine) => machine.stage)).toEqual([
      "running",
      "running",
      "running",
      "running",
    ]);
    for (const file of ["talos/secrets.yaml", "talos/clusterconfig/talosconfig", "kubeconfig"]) {
      await expect(readFile(join(lab.checkout, file), "utf8")).resolves.toBeTruthy();
    }
    await expect(readFile(join(lab.worktree, "kubeconfig"))).rejects.toThrow();
    const calls = await lab.calls();
    const applies = calls.filter((argv) => argv[1] === "apply-config");
    expect(applies[0]).toEqual([
      "talosctl",
      "apply-config",
      "--insecure",
      "-n",
      "192.168.1.21",
      "-f",
      join(lab.checkout, "talos/clusterconfig/prox-n100-cp-1.yaml"),
    ]);
    expect(calls.find((argv) => argv[1] === "gen" && argv[2] === "config")).toEqual(
      expect.arrayContaining([
        "https://192.168.1.20:6443",
        "--talos-version",
        "v1.12.4",
        "--install-image",
        "factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.12.4",
        "--install-disk",
        "/dev/sda",
      ]),
    );
  });

  it("changes nothing on a second run: no bootstrap, no new secrets, no apply", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    expect((await lab.step("talos")).exitCode).toBe(0);
    const secrets = join(lab.checkout, "talos/secrets.yaml");
    const before = await hash(secrets);
    const callsBefore = (await lab.calls()).length;
    expect((await lab.step("vms")).lines).toContain(
      "vms: 4 VMs running (created 0, started 0, adopted 0, unchanged 4)",
    );
    const second = await lab.step("talos");
    expect(second.exitCode, second.lines.join("\n")).toBe(0);
    expect(second.lines).toContain("talos: cp-1 (192.168.1.21): etcd is running: already bootstrapped");
    expect(second.lines).toContain(
      "talos: done (applied 0, re-applied 0, unchanged 4; bootstrap already done)",
    );
    const state = talosState(lab);
    expect(state.bootstrapCalls).toBe(1);
    expect(state.secretsGenerated).toBe(1);
    expect(await hash(secrets)).toBe(before);
    const later = (await lab.calls()).slice(callsBefore);
    expect(later.filter((argv) => argv[1] === "apply-config" && !argv.includes("--dry-run"))).toEqual([]);
    expect(later.filter((argv) => argv[1] === "bootstrap" || argv[2] === "secrets")).toEqual([]);
  });

  it("stops before apply-config when the install disk is not on the VM, naming the disks the node has", async () => {
    lab = await startHomelabLab((text) => text.replace("installDisk: /dev/sda ", "installDisk: /dev/vda "));
    await lab.step("vms");
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      "step talos failed: talos: cp-1 (192.168.1.21): install disk /dev/vda is not on the node; its disks: /dev/sda (69 GB, scsi, QEMU HARDDISK); set talos.installDisk (or this node's installDisk) to one of them",
    );
    const calls = await lab.calls();
    expect(calls).toContainEqual(["talosctl", "get", "disks", "--insecure", "-n", "192.168.1.21"]);
    expect(calls.filter((argv) => argv[1] === "apply-config")).toEqual([]);
    expect(Object.values(talosState(lab).machines).map((machine) => machine.stage)).not.toContain(
      "installing",
    );
  });

  it("stops before apply-config when no disk matches the install disk selector", async () => {
    lab = await startHomelabLab((text) =>
      text.replace("installDisk: /dev/sda ", 'installDisk: { serial: "S3Z9NB0K" } '),
    );
    await lab.step("vms");
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toMatch(
      /install disk selector \{serial: S3Z9NB0K\} matches no disk on the node; its disks: \/dev\/sda \(69 GB, scsi, QEMU HARDDISK\);/,
    );
  });

  it("fails with the dial timeout when a node's VM is not running", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    lab.lab.change((world) => {
      const vm = world.proxmox.vms["122"];
      if (vm) {
        vm.status = "stopped";
      }
    });
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      'step talos failed: error getting resources: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.22:50000: i/o timeout"',
    );
  });

  it("says which keys the booted ISO does not know when talos.version is newer than the ISO", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    lab.lab.change((world) => {
      for (const machine of Object.values(world.talos.machines)) {
        machine.isoTalosVersion = "v1.11.5";
      }
    });
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toMatch(
      /unknown keys found during decoding: machine: install: grubUseUKICmdline: true$/,
    );
  });

  it("counts an AlreadyExists answer to bootstrap as done", async () => {
    lab = await startHomelabLab();
    await lab.step("vms");
    expect((await lab.step("talos")).exitCode).toBe(0);
    const before = talosState(lab).etcd;
    lab.lab.change((world) => {
      world.faults = { ...world.faults, etcdPreparingOnce: ["192.168.1.21"] };
    });
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode, lines.join("\n")).toBe(0);
    expect(lines).toContain(
      "talos: cp-1 (192.168.1.21): error executing bootstrap: rpc error: code = AlreadyExists desc = etcd data directory is not empty (counts as bootstrapped)",
    );
    expect(talosState(lab).bootstrapCalls).toBe(2);
    expect(talosState(lab).etcd).toEqual(before);
  });
});

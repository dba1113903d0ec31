import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLabWorld, readWorld, updateWorld, writeWorld } from "../world/index.ts";
import { type FakeClis, installFakeClis, viewOf } from "./index.ts";

let fakes: FakeClis;
let dir: string;
let worldFile: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fake-cli-"));
  worldFile = join(dir, "world.json");
  bin = join(dir, "bin");
  const world = newLabWorld();
  world.proxmox.vms["121"] = {
    vmid: 121,
    node: "pve",
    name: "cp-1",
    status: "running",
    config: {
      name: "cp-1",
      virtio0: "local-lvm:vm-121-disk-0,size=64G",
      ide2: "local:iso/talos.iso,media=cdrom",
    },
  };
  world.talos.machines["121"] = {
    vmid: 121,
    name: "cp-1",
    mac: "bc:24:11:00:00:21",
    ip: "192.168.1.21",
    stage: "maintenance",
    isoTalosVersion: "v1.12.4",
  };
  writeWorld(worldFile, world);
  fakes = await installFakeClis(bin, { worldFile });
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(tool: string, ...args: string[]) {
  const result = spawnSync(join(bin, tool), args, {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the fake talosctl", () => {
  it("refuses an unknown flag with cobra's error and exit 1", () => {
    expect(run("talosctl", "get", "machinestatus", "--insecure", "-n", "192.168.1.21", "--wat")).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: unknown flag: --wat\n",
    });
  });

  it("answers a maintenance node over --insecure with its stage", () => {
    const result = run(
      "talosctl",
      "get",
      "machinestatus",
      "--insecure",
      "-n",
      "192.168.1.21",
      "-o",
      "jsonpath={.spec.stage}",
    );
    expect(result).toEqual({ code: 0, stdout: "maintenance\n", stderr: "" });
  });

  it("fails x509 when a maintenance node is asked with a talosconfig instead of --insecure", () => {
    run("talosctl", "gen", "secrets", "-o", join(dir, "secrets.yaml"));
    run(
      "talosctl",
      "gen",
      "config",
      "lab",
      "https://192.168.1.20:6443",
      "--with-secrets",
      join(dir, "secrets.yaml"),
      "-o",
      dir,
    );
    const result = run(
      "talosctl",
      "--talosconfig",
      join(dir, "talosconfig"),
      "-n",
      "192.168.1.21",
      "-e",
      "192.168.1.21",
      "version",
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error getting version: rpc error: code = Unavailable desc = connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"\n',
    );
  });

  it("accepts a config whose install disk the VM lacks, as Talos 1.9+ does, and the install fails on the node", () => {
    const result = run(
      "talosctl",
      "apply-config",
      "--insecure",
      "-n",
      "192.168.1.21",
      "-f",
      join(dir, "controlplane.yaml"),
    );
    expect(result).toEqual({ code: 0, stdout: "", stderr: "" });
    const machine = viewOf(readWorld(worldFile)).talos.machines["121"];
    expect(machine).toMatchObject({
      stage: "installing",
      installError: "lstat /dev/sda: no such file or directory",
    });
    const again = run(
      "talosctl",
      "get",
      "machinestatus",
      "--insecure",
      "-n",
      "192.168.1.21",
      "-o",
      "jsonpath={.spec.stage}",
    );
    expect(again.stdout).toBe("installing\n");
  });

  it("times out dialing a node whose VM is stopped", () => {
    updateWorld(worldFile, (world) => {
      const vm = world.proxmox.vms["121"];
      if (vm) {
        vm.status = "stopped";
      }
    });
    const result = run("talosctl", "get", "machinestatus", "--insecure", "-n", "192.168.1.21");
    updateWorld(worldFile, (world) => {
      const vm = world.proxmox.vms["121"];
      if (vm) {
        vm.status = "running";
      }
    });
    expect(result.stderr).toBe(
      'error getting resources: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.21:50000: i/o timeout"\n',
    );
  });

  it("counts every gen secrets call in the world", () => {
    expect(viewOf(readWorld(worldFile)).talos.secretsGenerated).toBe(1);
  });
});

describe("the fake kubectl and flux", () => {
  it("refuse to talk before the API server exists, as the real tools word it", () => {
    writeFileSync(join(dir, "kubeconfig"), "clusters:\n- cluster: { server: 'https://192.168.1.20:6443' }\n");
    expect(run("kubectl", "--kubeconfig", join(dir, "kubeconfig"), "get", "--raw", "/readyz").stderr).toBe(
      "The connection to the server 192.168.1.20:6443 was refused - did you specify the right host or port?\n",
    );
    expect(run("flux", "--kubeconfig", join(dir, "kubeconfig"), "check").stderr).toBe(
      '✗ Get "https://192.168.1.20:6443/api?timeout=32s": dial tcp 192.168.1.20:6443: connect: connection refused\n',
    );
  });
});

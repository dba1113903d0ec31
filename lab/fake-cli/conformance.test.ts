import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { newLabWorld, updateWorld, writeWorld } from "../world/index.ts";
import { type FakeClis, installFakeClis, viewOf } from "./index.ts";

/**
 * The fakes behave as the real tools do where the client once assumed otherwise (docs/conformance.md):
 * the stream each report goes to, exit codes, empty lists, output paths, version-dependent
 * documents and validation. Each expectation cites the real source in the fake's comment.
 */

let fakes: FakeClis;
let dir: string;
let worldFile: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fake-conformance-"));
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
      scsi0: "local-lvm:vm-121-disk-0,size=64G",
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

function setClientVersion(version: string): void {
  updateWorld(worldFile, (world) => {
    world.talos = { ...world.talos, clientVersion: version };
  });
}

function genConfig(out: string, version: string, ...extra: string[]) {
  return run(
    "talosctl",
    "gen",
    "config",
    "lab",
    "https://192.168.1.20:6443",
    "--talos-version",
    version,
    "--output-types",
    "controlplane,worker",
    "-o",
    out,
    "--force",
    ...extra,
  );
}

const kinds = (file: string) => [...readFileSync(file, "utf8").matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]);

describe("the fake talosctl gen config", () => {
  it("takes -o as a FILE with one output type, so a directory fails as real talosctl does", () => {
    const target = join(dir, "one");
    mkdirSync(target, { recursive: true });
    const asDir = run(
      "talosctl",
      "gen",
      "config",
      "lab",
      "https://192.168.1.20:6443",
      "--output-types",
      "talosconfig",
      "-o",
      target,
      "--force",
    );
    expect(asDir).toEqual({ code: 1, stdout: "", stderr: `open ${target}: is a directory\n` });
    const asFile = run(
      "talosctl",
      "gen",
      "config",
      "lab",
      "https://192.168.1.20:6443",
      "--output-types",
      "talosconfig",
      "-o",
      join(target, "talosconfig"),
      "--force",
    );
    expect(asFile.code).toBe(0);
    expect(asFile.stdout).toBe("");
    expect(asFile.stderr).toContain(`Created ${join(target, "talosconfig")}`);
  });

  it.each([
    ["v1.10.7", []],
    ["v1.11.5", []],
    ["v1.12.4", ["HostnameConfig"]],
    ["v1.13.9", ["HostnameConfig"]],
    ["v1.14.0", ["HostnameConfig", "ResolverConfig"]],
  ])("emits the documents the %s contract emits", (version, expected) => {
    const out = join(dir, `gen-${version}`);
    expect(genConfig(out, version).code).toBe(0);
    expect(kinds(join(out, "controlplane.yaml"))).toEqual(expected);
  });
});

describe("the fake talosctl validate", () => {
  const configFor = (version: string, patch: object) => {
    const out = join(dir, `validate-${version}-${Math.random().toString(36).slice(2)}`);
    const patchFile = join(dir, `patch-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(patchFile, stringify(patch));
    expect(genConfig(out, version, "--config-patch", `@${patchFile}`).code).toBe(0);
    return join(out, "worker.yaml");
  };

  it("rejects machine.network.hostname beside the HostnameConfig that 1.12 generates", () => {
    setClientVersion("v1.12.4");
    const file = configFor("v1.12.4", { machine: { network: { hostname: "cp-1" } } });
    expect(run("talosctl", "validate", "--mode", "metal", "-c", file)).toEqual({
      code: 1,
      stdout: "",
      stderr: "1 error occurred:\n\t* static hostname is already set in v1alpha1 config\n\n",
    });
  });

  it("accepts machine.network.hostname for 1.11, which generates no HostnameConfig", () => {
    setClientVersion("v1.11.5");
    const file = configFor("v1.11.5", { machine: { network: { hostname: "cp-1" } } });
    expect(run("talosctl", "validate", "--mode", "metal", "-c", file).code).toBe(0);
  });

  it("rejects machine.network.nameservers beside the ResolverConfig that 1.14 generates", () => {
    setClientVersion("v1.14.0");
    const file = configFor("v1.14.0", { machine: { network: { nameservers: ["1.1.1.1"] } } });
    expect(run("talosctl", "validate", "--mode", "metal", "-c", file).stderr).toBe(
      "1 error occurred:\n\t* .machine.network.nameservers is already set in v1alpha1 config\n\n",
    );
  });

  it("does not know HostnameConfig when talosctl itself is 1.11", () => {
    setClientVersion("v1.12.4");
    const file = configFor("v1.12.4", {});
    setClientVersion("v1.11.5");
    expect(run("talosctl", "validate", "--mode", "metal", "-c", file).stderr).toBe(
      '1 error occurred:\n\t* "HostnameConfig" "v1alpha1": not registered\n\n',
    );
    setClientVersion("v1.12.4");
  });
});

describe("the fake talosctl on a maintenance node", () => {
  it("lists its disks as the Disk resource table, loop device and CD-ROM included", () => {
    const result = run("talosctl", "get", "disks", "--insecure", "-n", "192.168.1.21");
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header?.split(/\s{3,}/)).toEqual([
      "NODE",
      "NAMESPACE",
      "TYPE",
      "ID",
      "VERSION",
      "SIZE",
      "READ ONLY",
      "TRANSPORT",
      "ROTATIONAL",
      "WWID",
      "MODEL",
      "SERIAL",
    ]);
    expect(rows.map((row) => row.split(/\s+/)[3])).toEqual(["loop0", "sda", "sr0"]);
    expect(rows[1]).toMatch(/Disk\s+sda\s+1\s+69 GB\s+false\s+scsi\s+true\s+QEMU HARDDISK/);
  });
});

describe("the fake talosctl apply-config --dry-run", () => {
  it("prints its summary and diff on stderr and nothing on stdout", () => {
    const out = join(dir, "dry");
    setClientVersion("v1.12.4");
    expect(genConfig(out, "v1.12.4").code).toBe(0);
    const file = join(out, "worker.yaml");
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      const machine = view.talos.machines["121"];
      if (machine) {
        Object.assign(machine, {
          stage: "running",
          appliedConfig: readFileSync(file, "utf8"),
          clusterId: "x",
        });
      }
      view.store();
    });
    writeFileSync(
      join(dir, "talosconfig"),
      stringify({ context: "lab", contexts: { lab: { ca: Buffer.from("os-ca:x").toString("base64") } } }),
    );
    const args = [
      "--talosconfig",
      join(dir, "talosconfig"),
      "-n",
      "192.168.1.21",
      "-e",
      "192.168.1.21",
      "apply-config",
      "-f",
      file,
      "--dry-run",
    ];
    expect(run("talosctl", ...args)).toEqual({
      code: 0,
      stdout: "",
      stderr:
        "Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\nConfig diff:\n\nNo changes.\n",
    });
    writeFileSync(file, readFileSync(file, "utf8").replace("disk: /dev/sda", "disk: /dev/vda"));
    const changed = run("talosctl", ...args);
    expect(changed.stdout).toBe("");
    expect(changed.stderr).toMatch(/^Config diff:\n\n--- a\n\+\+\+ b\n@@ -\d+,\d+ \+\d+,\d+ @@\n/m);
    expect(changed.stderr).toMatch(/^-\s+disk: \/dev\/sda\n\+\s+disk: \/dev\/vda$/m);
  });
});

describe("the fake flux", () => {
  beforeAll(() => {
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      view.talos.etcd = { clusterId: "x", bootstrapNode: "192.168.1.21" };
      view.store();
    });
    writeFileSync(
      join(dir, "kubeconfig"),
      stringify({
        clusters: [
          {
            cluster: {
              server: "https://192.168.1.20:6443",
              "certificate-authority-data": Buffer.from("k8s-ca:x").toString("base64"),
            },
          },
        ],
      }),
    );
  });

  it("exits 1 with no objects found on stderr when a list is empty", () => {
    expect(run("flux", "--kubeconfig", join(dir, "kubeconfig"), "get", "kustomizations", "-A")).toEqual({
      code: 1,
      stdout: "",
      stderr: "✗ no Kustomization objects found in any namespace\n",
    });
  });

  it("prints flux check's whole report, success included, on stderr", () => {
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      view.kubernetes.flux.installed = true;
      view.store();
    });
    const result = run("flux", "--kubeconfig", join(dir, "kubeconfig"), "check");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
  });
});

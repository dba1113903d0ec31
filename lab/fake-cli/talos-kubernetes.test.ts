import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { newLabWorld, readWorld, updateWorld, writeWorld } from "../world/index.ts";
import { type FakeClis, installFakeClis, viewOf } from "./index.ts";

/** A node refuses Kubernetes its Talos version does not support, as talos-kubernetes.ts cites. */

let fakes: FakeClis;
let dir: string;
let worldFile: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fake-talos-k8s-"));
  worldFile = join(dir, "world.json");
  bin = join(dir, "bin");
  writeWorld(worldFile, newLabWorld());
  fakes = await installFakeClis(bin, { worldFile });
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh maintenance-mode node that booted the ISO of `isoVersion`. */
function maintenanceNode(isoVersion: string): void {
  updateWorld(worldFile, (world) => {
    world.proxmox.vms["121"] = {
      vmid: 121,
      node: "pve",
      name: "cp-1",
      status: "running",
      config: { name: "cp-1", scsi0: "local-lvm:vm-121-disk-0,size=64G", ide2: "local:iso/talos.iso" },
    };
    world.talos.machines["121"] = {
      vmid: 121,
      name: "cp-1",
      mac: "bc:24:11:00:00:21",
      ip: "192.168.1.21",
      stage: "maintenance",
      isoTalosVersion: isoVersion,
    };
  });
}

function run(...args: string[]) {
  const result = spawnSync(join(bin, "talosctl"), args, {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function genConfig(name: string, talosVersion: string, kubernetesVersion: string): string {
  const out = join(dir, name);
  const result = run(
    "gen",
    "config",
    "lab",
    "https://192.168.1.20:6443",
    "--talos-version",
    talosVersion,
    "--kubernetes-version",
    kubernetesVersion,
    "--output-types",
    "controlplane,worker",
    "-o",
    out,
    "--force",
  );
  expect(result.code).toBe(0);
  return out;
}

const applyInsecure = (file: string) => run("apply-config", "--insecure", "-n", "192.168.1.21", "-f", file);

describe("a Talos node judging the Kubernetes version of a machine config", () => {
  it("refuses a control plane config with Kubernetes newer than its Talos supports, naming all four images", () => {
    maintenanceNode("v1.12.4");
    const out = genConfig("too-new", "v1.12.4", "v1.36.0");
    expect(applyInsecure(join(out, "controlplane.yaml"))).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error applying new configuration: rpc error: code = InvalidArgument desc = runtime configuration validation failed: 4 errors occurred:\n" +
        "\t* kubelet image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4\n" +
        "\t* kube-apiserver image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4\n" +
        "\t* kube-controller-manager image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4\n" +
        "\t* kube-scheduler image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4\n",
    });
    expect(viewOf(readWorld(worldFile)).talos.machines["121"]?.stage).toBe("maintenance");
  });

  it("judges only the kubelet of a worker, and calls an old version too old", () => {
    maintenanceNode("v1.12.4");
    const out = genConfig("too-old", "v1.12.4", "1.29.10");
    expect(applyInsecure(join(out, "worker.yaml")).stderr).toBe(
      "error applying new configuration: rpc error: code = InvalidArgument desc = runtime configuration validation failed: 1 error occurred:\n" +
        "\t* kubelet image is not valid: version of Kubernetes 1.29.10 is too old to be used with Talos 1.12.4\n",
    );
  });

  it("accepts the newest minor its Talos supports", () => {
    maintenanceNode("v1.12.4");
    const out = genConfig("newest", "v1.12.4", "v1.35.0");
    expect(applyInsecure(join(out, "controlplane.yaml")).code).toBe(0);
  });

  it("generates and validates the unsupported config without complaint: only the node knows its version", () => {
    const out = genConfig("client-side", "v1.12.4", "v1.36.0");
    updateWorld(worldFile, (world) => {
      world.talos = { ...world.talos, clientVersion: "v1.12.4" };
    });
    expect(run("validate", "--mode", "metal", "-c", join(out, "controlplane.yaml")).code).toBe(0);
  });

  it("has no such check on Talos 1.10", () => {
    maintenanceNode("v1.10.6");
    const out = genConfig("old-talos", "v1.10.6", "v1.36.0");
    expect(applyInsecure(join(out, "worker.yaml")).code).toBe(0);
  });

  it("refuses a configured node's dry-run without the maintenance wording", () => {
    maintenanceNode("v1.12.4");
    const out = genConfig("configured", "v1.12.4", "v1.36.0");
    const file = join(out, "worker.yaml");
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      Object.assign(view.talos.machines["121"] ?? {}, {
        stage: "running",
        installedVersion: "v1.12.4",
        appliedConfig: readFileSync(file, "utf8"),
        clusterId: "x",
      });
      view.store();
    });
    const talosconfig = join(dir, "talosconfig-x");
    writeFileSync(
      talosconfig,
      stringify({ context: "lab", contexts: { lab: { ca: Buffer.from("os-ca:x").toString("base64") } } }),
    );
    const result = run(
      "--talosconfig",
      talosconfig,
      "-n",
      "192.168.1.21",
      "-e",
      "192.168.1.21",
      "apply-config",
      "-f",
      file,
      "--dry-run",
    );
    expect(result.stderr).toBe(
      "error applying new configuration: rpc error: code = InvalidArgument desc = 1 error occurred:\n" +
        "\t* kubelet image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4\n",
    );
  });

  it("wraps the errors as the v1alpha1 document's on Talos 1.14", () => {
    maintenanceNode("v1.14.0");
    const out = genConfig("talos-114", "v1.14.0", "v1.38.1");
    expect(applyInsecure(join(out, "worker.yaml")).stderr).toBe(
      "error applying new configuration: rpc error: code = InvalidArgument desc = 1 error occurred:\n" +
        "\t* v1alpha1.Config: 1 error occurred:\n" +
        "\t* kubelet image is not valid: version of Kubernetes 1.38.1 is too new to be used with Talos 1.14.0\n",
    );
  });
});

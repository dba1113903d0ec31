import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type FakeClis, installFakeClis, viewOf } from "../../../lab/fake-cli/index.ts";
import { newLabWorld, updateWorld, writeWorld } from "../../../lab/world/index.ts";
import {
  dryRunHasChanges,
  dryRunRiskyLines,
  Flux,
  parseDisksTable,
  parseServiceOutput,
  ToolError,
} from "./index.ts";

/** The wrappers read what the real tools print where they print it (docs/conformance.md). */

let fakes: FakeClis;
let dir: string;
let worldFile: string;
let flux: Flux;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tools-"));
  worldFile = join(dir, "world.json");
  const world = newLabWorld();
  writeWorld(worldFile, world);
  updateWorld(worldFile, (state) => {
    const view = viewOf(state);
    view.talos.etcd = { clusterId: "x", bootstrapNode: "192.168.1.21" };
    view.kubernetes.flux.installed = true;
    view.store();
  });
  const ca = Buffer.from("k8s-ca:x").toString("base64");
  writeFileSync(
    join(dir, "kubeconfig"),
    stringify({
      clusters: [{ cluster: { server: "https://192.168.1.20:6443", "certificate-authority-data": ca } }],
    }),
  );
  fakes = await installFakeClis(join(dir, "bin"), { worldFile });
  flux = new Flux({
    cwd: dir,
    env: { PATH: `${join(dir, "bin")}:${process.env["PATH"]}`, LAB_WORLD: worldFile },
    kubeconfig: join(dir, "kubeconfig"),
  });
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the flux wrapper", () => {
  it("reads flux check's success from stderr", async () => {
    expect((await flux.check()).trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
  });

  it("treats flux's exit 1 for an empty list as no objects", async () => {
    await expect(flux.kustomizations()).resolves.toEqual([]);
    await expect(flux.helmReleases()).resolves.toEqual([]);
  });

  it("ends a failure with flux's ✗ line, not its progress lines", async () => {
    const error = await flux.reconcileKustomization("missing").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe(
      '✗ kustomizations.kustomize.toolkit.fluxcd.io "missing" not found',
    );
  });
});

describe("talosctl output parsing", () => {
  it("finds installable disks by the Disk table's columns, empty cells included", () => {
    const table = [
      "NODE   NAMESPACE   TYPE   ID      VERSION   SIZE     READ ONLY   TRANSPORT   ROTATIONAL   WWID   MODEL           SERIAL",
      "       runtime     Disk   loop0   2         4.1 kB   true",
      "       runtime     Disk   sda     2         34 GB    false       virtio      true                QEMU HARDDISK",
      "       runtime     Disk   vdb     1         69 GB    false       virtio      true                                S3Z9",
      "       runtime     Disk   sr0     2         320 MB   false       ata                             QEMU DVD-ROM",
    ].join("\n");
    expect(parseDisksTable(table)).toEqual([
      {
        path: "/dev/sda",
        size: "34 GB",
        readOnly: false,
        transport: "virtio",
        wwid: "",
        model: "QEMU HARDDISK",
        serial: "",
      },
      {
        path: "/dev/vdb",
        size: "69 GB",
        readOnly: false,
        transport: "virtio",
        wwid: "",
        model: "",
        serial: "S3Z9",
      },
    ]);
  });

  it("takes an unchanged dry-run only from its No changes. line, and finds a disk change in a unified diff", () => {
    expect(
      dryRunHasChanges(
        "Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\nConfig diff:\n\nNo changes.\n",
      ),
    ).toBe(false);
    expect(dryRunHasChanges("")).toBe(true);
    const diff =
      "Config diff:\n\n--- a\n+++ b\n@@ -40,7 +40,7 @@\n     install:\n-        disk: /dev/sda\n+        disk: /dev/vda\n         wipe: false\n";
    expect(dryRunRiskyLines(diff)).toEqual(["-        disk: /dev/sda", "+        disk: /dev/vda"]);
  });

  it("reads a service's newest event first, as talosctl prints them", () => {
    const text =
      "NODE     192.168.1.21\nID       etcd\nSTATE    Running\nHEALTH   OK\nEVENTS   [Running]: Health check successful (5s ago)\n         [Preparing]: Running pre state (20s ago)\n";
    expect(parseServiceOutput(text).events[0]).toBe("[Running]: Health check successful (5s ago)");
  });
});

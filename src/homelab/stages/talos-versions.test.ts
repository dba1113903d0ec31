import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { viewOf } from "../../../lab/fake-cli/index.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { type HomelabLab, startHomelabLab } from "./lab-homelab.fixture.ts";
import { newestSupportedKubernetes } from "./talos-kubernetes.ts";

/**
 * The talos stage against the fake talosctl playing each Talos minor the pack supports: the fake
 * generates the documents that version's `gen config` emits and validates as its machinery does
 * (lab/fake-cli/talos-machinery.ts), so a config wrong for the version fails here.
 */

let lab: HomelabLab | undefined;

afterEach(async () => {
  await lab?.lab.close();
  lab = undefined;
});

async function labPlaying(version: string): Promise<HomelabLab> {
  // A node refuses Kubernetes its Talos does not support (from 1.11): each plays the newest it does.
  const kubernetes = newestSupportedKubernetes([version]) ?? "v1.35.2";
  const homelab = await startHomelabLab((text) =>
    text
      .replace("version: v1.12.4 ", `version: ${version} `)
      .replace("version: v1.35.2", `version: ${kubernetes}`),
  );
  // talosctl itself is the same release as the nodes, as the Talos docs ask.
  homelab.lab.change((world) => {
    world.talos = { ...world.talos, clientVersion: version };
  });
  return homelab;
}

const documentsOf = async (file: string) =>
  parseAllDocuments(await readFile(file, "utf8")).map((doc) => doc.toJS() as Record<string, unknown>);

describe("the talos stage on each supported Talos version", { tags: ["slow"], timeout: 240_000 }, () => {
  it.each([
    ["v1.10.7", "v1alpha1"],
    ["v1.11.5", "v1alpha1"],
    ["v1.12.4", "HostnameConfig"],
    ["v1.13.9", "HostnameConfig"],
    ["v1.14.0", "HostnameConfig"],
  ])("converges Talos %s with the hostname in the %s document", async (version, hostnameIn) => {
    lab = await labPlaying(version);
    expect((await lab.step("vms")).exitCode).toBe(0);
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode, lines.join("\n")).toBe(0);
    const docs = await documentsOf(join(lab.checkout, "talos/clusterconfig/prox-n100-cp-1.yaml"));
    const v1alpha1 = docs.find((doc) => doc["kind"] === undefined) as {
      machine: { network: { hostname?: string; nameservers?: string[] } };
    };
    const hostnameDoc = docs.find((doc) => doc["kind"] === "HostnameConfig");
    const resolverDoc = docs.find((doc) => doc["kind"] === "ResolverConfig");
    if (hostnameIn === "HostnameConfig") {
      expect(hostnameDoc).toEqual({
        apiVersion: "v1alpha1",
        kind: "HostnameConfig",
        auto: "off",
        hostname: "cp-1",
      });
      expect(v1alpha1.machine.network.hostname).toBeUndefined();
    } else {
      expect(hostnameDoc).toBeUndefined();
      expect(v1alpha1.machine.network.hostname).toBe("cp-1");
    }
    if (version === "v1.14.0") {
      expect(resolverDoc).toMatchObject({ nameservers: [{ address: "1.1.1.1" }] });
      expect(v1alpha1.machine.network.nameservers).toBeUndefined();
    } else {
      expect(resolverDoc).toBeUndefined();
      expect(v1alpha1.machine.network.nameservers).toEqual(["1.1.1.1"]);
    }
    const machines = Object.values(viewOf(readWorld(lab.lab.worldFile)).talos.machines);
    expect(machines.map((machine) => machine.hostname).sort()).toEqual(["cp-1", "cp-2", "cp-3", "w-1"]);
  });
});

describe("the talos stage on an unsupported Talos version", { tags: ["slow"], timeout: 60_000 }, () => {
  it("refuses Talos 1.9 before running talosctl", async () => {
    lab = await labPlaying("v1.9.5");
    const { lines, exitCode } = await lab.step("talos");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      "step talos failed: talos: talos.version v1.9.5 is older than v1.10, the oldest Talos this tool generates configs for; upgrade the nodes' ISO and set talos.version",
    );
    expect(await lab.calls()).toEqual([]);
  });
});

describe("the talos stage on configured nodes", { tags: ["slow"], timeout: 240_000 }, () => {
  it("reads the dry-run diff talosctl prints on stderr: re-applies a changed config, refuses a changed install disk", async () => {
    lab = await labPlaying("v1.12.4");
    await lab.step("vms");
    expect((await lab.step("talos")).exitCode).toBe(0);
    const clusterFile = join(lab.worktree, "config/clusters/lab.yaml");
    const text = await readFile(clusterFile, "utf8");

    await writeFile(clusterFile, text.replace("ntp: [162.159.200.1]", "ntp: [162.159.200.123]"));
    const changed = await lab.step("talos");
    expect(changed.exitCode, changed.lines.join("\n")).toBe(0);
    expect(changed.lines).toContain(
      "talos: done (applied 0, re-applied 4, unchanged 0; bootstrap already done)",
    );
    expect(changed.lines.some((line) => /^\S*\s*\+\s+- 162\.159\.200\.123$/.test(line.trim()))).toBe(true);

    await writeFile(
      clusterFile,
      text
        .replace("ntp: [162.159.200.1]", "ntp: [162.159.200.123]")
        .replace("installDisk: /dev/sda ", "installDisk: /dev/sdb "),
    );
    const risky = await lab.step("talos");
    expect(risky.exitCode).toBe(1);
    expect(risky.lines.at(-1)).toBe(
      "step talos failed: talos: cp-1 (192.168.1.21): the new config changes the install disk or wipe (-    disk: /dev/sda; +    disk: /dev/sdb); that is never applied automatically to a configured node: review the dry-run and apply it by hand",
    );
  });
});

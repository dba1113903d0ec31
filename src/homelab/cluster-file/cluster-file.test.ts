import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, UserError } from "../../errors/index.ts";
import {
  clusterJsonSchema,
  EXAMPLE_CLUSTER_FILE,
  loadClusterFile,
  parseClusterFile,
  resolveNodes,
  talosInstallerImage,
  talosIsoUrl,
} from "./index.ts";

const FILE = "config/clusters/prox-n100.yaml";

/** The example with one line replaced; fails loudly if the line is not there. */
function exampleWith(from: string, to: string): string {
  expect(EXAMPLE_CLUSTER_FILE).toContain(from);
  return EXAMPLE_CLUSTER_FILE.replaceAll(from, to);
}

function errorOf(text: string): ConfigError {
  try {
    parseClusterFile(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function lineOfText(text: string, needle: string): number {
  return text.split("\n").findIndex((line) => line.includes(needle)) + 1;
}

const CP1 = '  - { name: cp-1, role: controlplane, ip: 192.168.1.21, mac: "bc:24:11:00:00:21", vmid: 121 }';

describe("the cluster file", () => {
  it("accepts the example that init writes and fills in defaults", () => {
    const cluster = parseClusterFile(EXAMPLE_CLUSTER_FILE, FILE);
    expect(cluster.cluster.name).toBe("prox-n100");
    expect(cluster.proxmox.tokenSecretEnv).toBe("PROXMOX_TOKEN_SECRET");
    const nodes = resolveNodes(cluster);
    expect(nodes.find((node) => node.name === "w-1")).toMatchObject({
      memoryMiB: 16384,
      cores: 4,
      pveNode: "pve",
    });
    expect(talosIsoUrl(cluster)).toBe(
      "https://factory.talos.dev/image/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba/v1.12.4/metal-amd64.iso",
    );
    expect(talosInstallerImage(cluster)).toMatch(/^factory\.talos\.dev\/installer\/3765.*:v1\.12\.4$/);
  });

  it("publishes a JSON Schema that refuses unknown keys", () => {
    const schema = clusterJsonSchema();
    expect(schema["additionalProperties"]).toBe(false);
    expect(Object.keys(schema["properties"] as object)).toContain("nodes");
  });

  const cases: { name: string; from: string; to: string; field: string; reason: RegExp; at?: string }[] = [
    {
      name: "refuses a malformed MAC address",
      from: CP1,
      to: CP1.replace("bc:24:11:00:00:21", "bc:24:11:00:21"),
      field: "nodes.0.mac",
      reason: /expected a MAC address/,
    },
    {
      name: "refuses a multicast MAC address",
      from: CP1,
      to: CP1.replace("bc:24:11:00:00:21", "01:24:11:00:00:21"),
      field: "nodes.0.mac",
      reason: /multicast/,
    },
    {
      name: "refuses two nodes with the same name",
      from: "name: cp-2,",
      to: "name: cp-1,",
      field: "nodes.1.name",
      reason: /cp-1 is already used by node cp-1/,
      at: "cp-1, role: controlplane, ip: 192.168.1.22",
    },
    {
      name: "refuses two nodes with the same IP",
      from: "ip: 192.168.1.22",
      to: "ip: 192.168.1.21",
      field: "nodes.1.ip",
      reason: /192\.168\.1\.21 is already used by node cp-1/,
      at: '"bc:24:11:00:00:22"',
    },
    {
      name: "refuses two nodes with the same MAC, whatever the case",
      from: '"bc:24:11:00:00:22"',
      to: '"BC:24:11:00:00:21"',
      field: "nodes.1.mac",
      reason: /already used by node cp-1/,
      at: "BC:24",
    },
    {
      name: "refuses two nodes with the same vmid",
      from: "vmid: 122",
      to: "vmid: 121",
      field: "nodes.1.vmid",
      reason: /vmid 121 is already used by node cp-1/,
      at: "192.168.1.22",
    },
    {
      name: "refuses a node address outside the network",
      from: "ip: 192.168.1.31",
      to: "ip: 192.168.2.31",
      field: "nodes.3.ip",
      reason: /outside network.cidr 192\.168\.1\.0\/24/,
    },
    {
      name: "refuses a node on the gateway address",
      from: "ip: 192.168.1.31",
      to: "ip: 192.168.1.1",
      field: "nodes.3.ip",
      reason: /is the gateway address/,
    },
    {
      name: "refuses a VIP that is a node's address",
      from: "vip: 192.168.1.20",
      to: "vip: 192.168.1.22",
      field: "kubernetes.endpoint.vip",
      reason: /node cp-2's address/,
    },
    {
      name: "refuses a VIP outside the network",
      from: "vip: 192.168.1.20",
      to: "vip: 10.0.0.20",
      field: "kubernetes.endpoint.vip",
      reason: /outside network.cidr/,
    },
    {
      name: "refuses a service CIDR that overlaps the pod CIDR",
      from: "serviceCidr: 10.43.0.0/16",
      to: "serviceCidr: 10.42.128.0/17",
      field: "kubernetes.serviceCidr",
      reason: /overlaps kubernetes.podCidr 10\.42\.0\.0\/16/,
    },
    {
      name: "refuses a pod CIDR that overlaps the node network",
      from: "podCidr: 10.42.0.0/16",
      to: "podCidr: 192.168.0.0/16",
      field: "kubernetes.podCidr",
      reason: /overlaps network.cidr/,
    },
    {
      name: "refuses a missing schematic",
      from: "  schematicId: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba\n",
      to: "",
      field: "talos.schematicId",
      reason: /Image Factory schematic id/,
      at: "  version: v1.12.4",
    },
    {
      name: "refuses a schematic that is not 64 hex characters",
      from: "schematicId: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba",
      to: "schematicId: 376567988ad37013",
      field: "talos.schematicId",
      reason: /64 lower-case hex/,
    },
    {
      name: "refuses an ISO URL whose Talos version differs from talos.version",
      from: "  isoUrl: null",
      to: "  isoUrl: https://factory.talos.dev/image/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba/v1.11.0/metal-amd64.iso",
      field: "talos.isoUrl",
      reason: /names Talos v1\.11\.0 but talos\.version is v1\.12\.4/,
    },
    {
      name: "refuses a token secret written inline",
      from: "  tokenSecretEnv: PROXMOX_TOKEN_SECRET",
      to: "  tokenSecret: 6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50",
      field: "proxmox.tokenSecret",
      reason: /must not be written in the cluster file/,
    },
    {
      name: "refuses a token id that carries its secret",
      from: "tokenId: automation@pve!orchestrator",
      to: "tokenId: automation@pve!orchestrator=6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50",
      field: "proxmox.tokenId",
      reason: /must not be written in the cluster file/,
    },
    {
      name: "refuses a token secret file inside the repository",
      from: "  # tokenSecretFile: ~/.config/homelab/proxmox-token",
      to: "  tokenSecretFile: secrets/proxmox-token",
      field: "proxmox.tokenSecretFile",
      reason: /outside the repository/,
    },
    {
      name: "refuses an unknown key",
      from: "  bridge: vmbr0",
      to: "  bridge: vmbr0\n  brigde: vmbr1",
      field: "proxmox",
      reason: /unknown field "brigde"/,
      at: "  endpoint:",
    },
    {
      name: "refuses a cluster without a control plane",
      from: "role: controlplane",
      to: "role: worker",
      field: "nodes",
      reason: /no node has role: controlplane/,
      at: "  - { name: cp-1",
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, () => {
      const text = exampleWith(testCase.from, testCase.to);
      const error = errorOf(text);
      expect(error.field).toBe(testCase.field);
      expect(error.reason).toMatch(testCase.reason);
      const expectedLine = lineOfText(
        text,
        testCase.at ?? (testCase.to.trim().split("\n")[0] || testCase.from),
      );
      expect(error.line).toBe(expectedLine);
      expect(error.message).toBe(`${FILE}:${expectedLine}: ${testCase.field}: ${error.reason}`);
    });
  }

  it("reads a file from disk and says when it is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cluster-file-"));
    const path = join(dir, "lab.yaml");
    await writeFile(path, EXAMPLE_CLUSTER_FILE);
    expect((await loadClusterFile(path)).nodes).toHaveLength(4);
    await expect(loadClusterFile(join(dir, "nope.yaml"))).rejects.toThrow(UserError);
    await expect(loadClusterFile(join(dir, "nope.yaml"))).rejects.toThrow(/nope\.yaml not found/);
  });
});

describe("every problem of a cluster file at once", () => {
  it("lists schema problems together, each with its line and field", () => {
    const text = EXAMPLE_CLUSTER_FILE.replace('mac: "bc:24:11:00:00:22"', 'mac: "bc:24:11:00:00:2"').replace(
      'mac: "bc:24:11:00:00:23"',
      'mac: "zz"',
    );
    const error = errorOf(text);
    expect(error.message).toMatch(
      /^config\/clusters\/prox-n100\.yaml:41: 2 problems, all listed: line 41: nodes\.1\.mac: .*; line 42: nodes\.2\.mac: /,
    );
  });

  it("lists rule problems of several nodes and areas together, not one per run", () => {
    const text = EXAMPLE_CLUSTER_FILE.replace("ip: 192.168.1.22", "ip: 192.168.1.21").replace(
      "ip: 192.168.1.23",
      "ip: 10.0.0.23",
    );
    const error = errorOf(text);
    expect(error.message).toContain("problems, all listed");
    expect(error.message).toMatch(/nodes\.1\.ip: 192\.168\.1\.21 is already used by node/);
    expect(error.message).toMatch(/nodes\.2\.ip: 10\.0\.0\.23 is outside network\.cidr/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import {
  missingBridgePlaybook,
  missingStoragePlaybook,
  type PlaybookFactSource,
} from "../playbooks/index.ts";
import { ProxmoxClient } from "../proxmox/index.ts";
import { runVmsStage } from "./vms.ts";

/**
 * The vms preflight tells a missing storage or bridge from one the token cannot see, by asking
 * `GET /access/permissions` as a real privilege-separated token would; the lab server hides
 * what the token's ACLs hide and 403s what they do not allow.
 */

let lab: LabFixture | undefined;

afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

/** A privilege-separated token that may do everything the stage needs, minus `without`. */
const FULL_ACL: Record<string, string[]> = {
  "/": [
    "Sys.Audit",
    "Sys.Modify",
    "VM.Allocate",
    "VM.Audit",
    "VM.PowerMgmt",
    "VM.Config.Disk",
    "VM.Config.Network",
  ],
  "/storage": ["Datastore.Audit", "Datastore.AllocateSpace", "Datastore.AllocateTemplate"],
  "/sdn/zones/localnetwork": ["SDN.Audit", "SDN.Use"],
};

async function setUp(acl: Record<string, string[]> | undefined) {
  lab = await startLabFixture({});
  const fixture = lab;
  if (acl !== undefined) {
    fixture.change((world) => {
      world.proxmox.tokenAcl = { [fixture.token.id]: acl };
    });
  }
  const clusterText = EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", fixture.server.url);
  const cluster = parseClusterFile(clusterText, "config/clusters/prox-n100.yaml");
  const client = new ProxmoxClient({
    endpoint: fixture.server.url,
    tokenId: fixture.token.id,
    tokenSecret: fixture.token.secret,
  });
  return { fixture, cluster, client, clusterText };
}

async function failure(setup: Awaited<ReturnType<typeof setUp>>): Promise<string> {
  const error = await runVmsStage({
    cluster: setup.cluster,
    client: setup.client,
    log: () => undefined,
    wait: { pollMs: 0 },
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

const posts = (fixture: LabFixture) => fixture.server.requests.filter((request) => request.method === "POST");

function factsOf(setup: Awaited<ReturnType<typeof setUp>>): PlaybookFactSource {
  return {
    storages: (_text, node) => setup.client.nodeStorage(node),
    bridges: (_text, node) => setup.client.nodeNetwork(node, { type: "any_bridge" }),
    vmConfig: (_text, node, vmid) => setup.client.vmConfig(node, vmid),
    privileges: (_text, path) => setup.client.privileges(path),
    talosDisks: () => Promise.reject(new Error("not asked")),
    nodes: () => Promise.reject(new Error("not asked")),
  };
}

describe("the vms preflight with a privilege-separated token", () => {
  it("answers /access/permissions with the token's privileges on a path, as Proxmox does", async () => {
    const { client } = await setUp(FULL_ACL);
    // ACLs propagate down: /storage/local-lvm holds what / and /storage grant.
    expect([...(await client.privileges("/storage/local-lvm"))].sort()).toEqual(
      [...(FULL_ACL["/"] ?? []), ...(FULL_ACL["/storage"] ?? [])].sort(),
    );
    expect(await client.privileges("/nodes/pve")).toEqual(new Set(FULL_ACL["/"]));
  });

  it("says a storage is invisible to the token, names the privilege, and no playbook rewrites it", async () => {
    const acl = {
      ...FULL_ACL,
      "/storage": [],
      "/storage/local": ["Datastore.Audit", "Datastore.AllocateTemplate"],
    };
    const setup = await setUp(acl);
    const message = await failure(setup);
    expect(message).toBe(
      `proxmox: storage "local-lvm" is invisible to token automation@pve!orchestrator on node pve (it sees: local): the token holds none of Datastore.Audit, Datastore.AllocateSpace on /storage/local-lvm, so Proxmox leaves it out; it needs Datastore.AllocateSpace there (pveum acl modify /storage/local-lvm --tokens 'automation@pve!orchestrator' --roles PVEDatastoreUser), or check the name in proxmox.storage`,
    );
    expect(posts(setup.fixture)).toEqual([]);
    const ctx = {
      clusterPath: "config/clusters/prox-n100.yaml",
      clusterText: setup.clusterText,
      facts: factsOf(setup),
    };
    const evidence = (line: string) => ({ lines: [line], logTail: `${line}\n` });
    expect(missingStoragePlaybook.matches(evidence(message))).toBe(false);
    // Even Proxmox's own 500 text does not make the playbook rewrite a name the token cannot see.
    const raw = await missingStoragePlaybook.attempt(
      ctx,
      evidence("proxmox: 500 storage 'local-lvm' does not exist"),
    );
    expect(raw).toMatchObject({ kind: "no_change" });
    expect((raw as { reason: string }).reason).toMatch(/Proxmox hides it from the token, so it may exist/);
  });

  it("says does not exist when the token could see the storage, so the storage playbook may act", async () => {
    const setup = await setUp(FULL_ACL);
    setup.fixture.change((world) => {
      world.faults.missingStorage = ["local-lvm"];
    });
    expect(await failure(setup)).toBe(
      'proxmox: storage "local-lvm" does not exist on node pve (it has: local); set proxmox.storage',
    );
  });

  it("says a bridge is invisible to the token and names SDN.Use", async () => {
    const setup = await setUp({ ...FULL_ACL, "/sdn/zones/localnetwork": [] });
    expect(await failure(setup)).toMatch(
      /^proxmox: bridge "vmbr0" is invisible to token automation@pve!orchestrator on node pve \(it sees: none\): .* it needs SDN\.Use there \(pveum acl modify \/sdn\/zones\/localnetwork\/vmbr0 /,
    );
    const ctx = { clusterPath: "c.yaml", clusterText: setup.clusterText, facts: factsOf(setup) };
    const line = "  bridge 'vmbr0' does not exist";
    expect(await missingBridgePlaybook.attempt(ctx, { lines: [line], logTail: line })).toMatchObject({
      kind: "no_change",
    });
  });

  it("stops before the VM's disk would be refused when the storage is visible but not allocatable", async () => {
    const setup = await setUp({ ...FULL_ACL, "/storage": ["Datastore.Audit", "Datastore.AllocateTemplate"] });
    expect(await failure(setup)).toMatch(
      /^proxmox: token automation@pve!orchestrator lacks Datastore\.AllocateSpace on \/storage\/local-lvm: Proxmox would refuse the VM's disk \(403\)/,
    );
    expect(posts(setup.fixture)).toEqual([]);
  });

  it("names the download-url privileges before asking Proxmox to download the ISO", async () => {
    const setup = await setUp({ ...FULL_ACL, "/": FULL_ACL["/"]?.filter((p) => p !== "Sys.Modify") ?? [] });
    expect(await failure(setup)).toBe(
      "proxmox: token automation@pve!orchestrator lacks Sys.AccessNetwork on /nodes/pve (or Sys.Audit and Sys.Modify on /): Proxmox would refuse download-url (403); grant one of them, or upload the ISO by hand",
    );
    expect(posts(setup.fixture)).toEqual([]);
  });

  it("names every privilege creating a VM needs when Proxmox answers 403", async () => {
    const setup = await setUp({ ...FULL_ACL, "/": FULL_ACL["/"]?.filter((p) => p !== "VM.Allocate") ?? [] });
    expect(await failure(setup)).toMatch(
      /403 Permission check failed \(\/vms\/121, VM\.Allocate\): grant the token VM\.Allocate on \/vms\/121 .*; creating a VM needs VM\.Allocate on \/vms\/<vmid>, Datastore\.AllocateSpace on its disk's storage and SDN\.Use on its bridge/,
    );
  });
});

describe("the vms preflight's reading of Proxmox's flags", () => {
  it("treats a bridge without the active flag as not running", async () => {
    const setup = await setUp(undefined);
    setup.fixture.change((world) => {
      const node = world.proxmox.nodes["pve"];
      if (node) {
        node.bridges["vmbr0"] = { active: false };
      }
    });
    expect(await failure(setup)).toBe(
      'proxmox: bridge "vmbr0" on node pve is not active; apply the pending network configuration on the node',
    );
  });

  it("stops at a VM Proxmox calls running but QEMU has paused", async () => {
    const setup = await setUp(undefined);
    await runVmsStage({
      cluster: setup.cluster,
      client: setup.client,
      log: () => undefined,
      wait: { pollMs: 0 },
    });
    setup.fixture.change((world) => {
      const vm = world.proxmox.vms["122"];
      if (vm) {
        vm.qmpstatus = "paused";
      }
    });
    expect(await failure(setup)).toBe(
      "proxmox: vm cp-2 (122 on pve) is paused; resume it in Proxmox (the tool does not change it)",
    );
  });
});

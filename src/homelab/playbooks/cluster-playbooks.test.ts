import { describe, expect, it } from "vitest";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import type { PveStorage } from "../proxmox/index.ts";
import {
  duplicateVmidPlaybook,
  storageLacksContentPlaybook,
  unknownProxmoxNodePlaybook,
  vipOutsideSubnetPlaybook,
} from "./index.ts";
import type { PlaybookFactSource, RunnablePlaybook } from "./types.ts";

const notAsked = () => Promise.reject(new Error("not asked"));
const facts = (over: Partial<PlaybookFactSource>): PlaybookFactSource => ({
  storages: notAsked,
  bridges: notAsked,
  vmConfig: notAsked,
  privileges: notAsked,
  talosDisks: notAsked,
  nodes: notAsked,
  ...over,
});

async function attempt(
  playbook: RunnablePlaybook,
  clusterText: string,
  line: string,
  source: PlaybookFactSource,
) {
  const evidence = { lines: [line], logTail: "" };
  expect(playbook.matches(evidence)).toBe(true);
  return playbook.attempt({ clusterPath: "config/clusters/lab.yaml", clusterText, facts: source }, evidence);
}

describe("the cluster playbooks", () => {
  it("points isoStorage at the node's only storage holding ISO images", async () => {
    const text = EXAMPLE_CLUSTER_FILE.replace("isoStorage: local ", "isoStorage: local-lvm ");
    const storages: PveStorage[] = [
      { storage: "local", content: "iso,vztmpl,backup", active: true, enabled: true },
      { storage: "local-lvm", content: "images,rootdir", active: true, enabled: true },
    ];
    const change = await attempt(
      storageLacksContentPlaybook,
      text,
      'step vms failed: proxmox: storage "local-lvm" on node pve does not hold iso (content: images,rootdir); set proxmox.isoStorage to one that does (local)',
      facts({ storages: async () => storages }),
    );
    expect(change.kind).toBe("changed");
    expect(change.kind === "changed" && parseClusterFile(change.text, "x").proxmox.isoStorage).toBe("local");
  });

  it("points proxmox.node at the cluster's only online node, and leaves a choice among several to a human", async () => {
    const text = EXAMPLE_CLUSTER_FILE.replace("node: pve ", "node: pve1 ");
    const line =
      "step vms failed: proxmox: GET /nodes/pve1/storage: 500 hostname lookup 'pve1' failed - failed to get address info for: pve1: Name or service not known";
    const one = await attempt(
      unknownProxmoxNodePlaybook,
      text,
      line,
      facts({ nodes: async () => [{ node: "pve", online: true }] }),
    );
    expect(one.kind === "changed" && parseClusterFile(one.text, "x").proxmox.node).toBe("pve");
    const two = await attempt(
      unknownProxmoxNodePlaybook,
      text,
      line,
      facts({
        nodes: async () => [
          { node: "pve", online: true },
          { node: "pve2", online: true },
        ],
      }),
    );
    expect(two).toMatchObject({
      kind: "no_change",
      reason: expect.stringContaining("several online nodes (pve, pve2)"),
    });
  });

  it("gives a duplicate vmid the one the other nodes' pattern implies, as a number", async () => {
    const text = EXAMPLE_CLUSTER_FILE.replace(
      '"bc:24:11:00:00:22", vmid: 122 }',
      '"bc:24:11:00:00:22", vmid: 121 }',
    );
    const change = await attempt(
      duplicateVmidPlaybook,
      text,
      "orchestrator: config/clusters/prox-n100.yaml:41: nodes.1.vmid: vmid 121 is already used by node cp-1",
      facts({ vmConfig: async () => undefined }),
    );
    expect(change.kind === "changed" && parseClusterFile(change.text, "x").nodes[1]?.vmid).toBe(122);
  });

  it("moves the VIP to the same host inside the subnet", async () => {
    const text = EXAMPLE_CLUSTER_FILE.replace("vip: 192.168.1.20,", "vip: 192.168.2.20,");
    const change = await attempt(
      vipOutsideSubnetPlaybook,
      text,
      "orchestrator: config/clusters/prox-n100.yaml:31: kubernetes.endpoint.vip: 192.168.2.20 is outside network.cidr 192.168.1.0/24",
      facts({}),
    );
    expect(change.kind === "changed" && parseClusterFile(change.text, "x").kubernetes.endpoint.vip).toBe(
      "192.168.1.20",
    );
  });
});

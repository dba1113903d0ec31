import { type ClusterFile, type ResolvedNode, resolveNodes } from "../cluster-file/index.ts";
import type { ProxmoxClient } from "../proxmox/index.ts";
import { type FactSheet, plain } from "./fact-sheet.ts";

/** Proxmox nodes described in full at most: a homelab has one to three. */
const MAX_NODES = 3;
/** VM configurations read at most: the cluster file's own VMs. */
const MAX_VM_CONFIGS = 12;
/** The VM config keys a fix may need: the NIC (MAC, bridge), the disks and the ISO. */
const VM_CONFIG_KEYS = /^(net\d+|scsi\d+|virtio\d+|sata\d+|ide\d+|scsihw|cpu|cores|memory)$/;

/**
 * What the vms stage works against, read-only through the cluster file's token: the Proxmox
 * nodes and whether each is online (`GET /nodes`, status online/offline/unknown:
 * proxmox/pve-manager@14a22df3 PVE/API2/Nodes.pm:2927), each named node's storages with their
 * content types and bridges with their active flag, the ISO images on the ISO storage, the VMs
 * that exist (`GET /cluster/resources?type=vm`, Cluster.pm:263-277) and the next free vmid
 * (`GET /cluster/nextid`, Cluster.pm:1012-1053).
 */
export async function proxmoxFacts(
  sheet: FactSheet,
  cluster: ClusterFile,
  client: ProxmoxClient,
): Promise<Set<number>> {
  const named = namedNodes(cluster);
  const listed = await sheet.attempt("GET /nodes", async () => {
    const answer = await client.get("/nodes");
    return (Array.isArray(answer) ? answer : []).flatMap((entry: unknown) => {
      const { node, status } = (entry ?? {}) as { node?: unknown; status?: unknown };
      return typeof node === "string"
        ? [{ node, status: typeof status === "string" ? status : "unknown" }]
        : [];
    });
  });
  if (listed) {
    sheet.add({
      title: "Proxmox nodes",
      source: "GET /nodes",
      kind: "observed",
      lines: [
        ...listed.map((entry) => `${plain(entry.node)}: ${plain(entry.status)}`),
        ...[...named]
          .filter(([node]) => !listed.some((entry) => entry.node === node))
          .map(
            ([node, fields]) =>
              `${plain(node)}: named by the cluster file (${fields.join(", ")}), but this Proxmox cluster has no node of that name`,
          ),
      ],
    });
  }
  const known = [...named.keys()].filter((node) => listed?.some((entry) => entry.node === node) ?? true);
  const described = (known.length > 0 ? known : (listed ?? []).map((entry) => entry.node)).slice(
    0,
    MAX_NODES,
  );
  await Promise.all(described.map((node) => nodeFacts(sheet, cluster, client, node)));
  const existing = await vmFacts(sheet, cluster, client);
  const next = await sheet.attempt("GET /cluster/nextid", () => client.nextVmid());
  if (next !== undefined) {
    sheet.add({
      title: "Next free vmid",
      source: "GET /cluster/nextid",
      kind: "observed",
      lines: [`${next} (the lowest vmid no VM or container uses)`],
    });
  }
  return existing;
}

/** Storages, bridges and ISO images of one Proxmox node. */
async function nodeFacts(sheet: FactSheet, cluster: ClusterFile, client: ProxmoxClient, node: string) {
  const [storages, bridges] = await Promise.all([
    sheet.attempt(`GET /nodes/${node}/storage`, () => client.nodeStorage(node)),
    sheet.attempt(`GET /nodes/${node}/network?type=any_bridge`, () =>
      client.nodeNetwork(node, { type: "any_bridge" }),
    ),
  ]);
  if (storages) {
    sheet.add({
      title: `Storages on ${node}`,
      source: `GET /nodes/${node}/storage`,
      kind: "observed",
      lines: storages.map(
        (storage) =>
          `${plain(storage.storage)}: type ${plain(storage.type)}, content ${plain(storage.content || "none")}`,
      ),
    });
  }
  if (bridges) {
    sheet.add({
      title: `Bridges on ${node}`,
      source: `GET /nodes/${node}/network?type=any_bridge`,
      kind: "observed",
      // `active` is 1 when the bridge runs and absent otherwise (pve-common@9.2.1 Interfaces.pm:341-345).
      lines: bridges.map(
        (bridge) =>
          `${plain(bridge.iface)}: ${bridge.active === true ? "active" : "not active (written, not applied)"}`,
      ),
    });
  }
  const isoStorage = cluster.proxmox.isoStorage;
  if (
    storages?.some((storage) => storage.storage === isoStorage && storage.content.split(",").includes("iso"))
  ) {
    const volumes = await sheet.attempt(`GET /nodes/${node}/storage/${isoStorage}/content?content=iso`, () =>
      client.storageContent(node, isoStorage, { content: "iso" }),
    );
    if (volumes) {
      sheet.add({
        title: `ISO images on ${node} storage ${isoStorage}`,
        source: `GET /nodes/${node}/storage/${isoStorage}/content?content=iso`,
        kind: "observed",
        lines: volumes.length === 0 ? ["none"] : volumes.map((volume) => plain(volume.volid)),
      });
    }
  }
}

/**
 * The VMs that exist, and for the cluster file's vmids which VM holds each and its NIC, disks
 * and ISO as Proxmox has them (the MAC there against the cluster file's shows a typo at once).
 * Returns the cluster file's vmids that have a VM.
 */
export async function vmFacts(
  sheet: FactSheet,
  cluster: ClusterFile,
  client: ProxmoxClient,
): Promise<Set<number>> {
  const vms = await sheet.attempt("GET /cluster/resources?type=vm", async () => {
    const answer = await client.get("/cluster/resources?type=vm");
    return (Array.isArray(answer) ? answer : []).flatMap((entry: unknown) => {
      const { vmid, name, node, status } = (entry ?? {}) as Record<string, unknown>;
      return typeof vmid === "number"
        ? [{ vmid, name: String(name ?? ""), node: String(node ?? ""), status }]
        : [];
    });
  });
  if (vms === undefined) {
    return new Set();
  }
  const nodes = resolveNodes(cluster);
  sheet.add({
    title: "VMs in Proxmox",
    source: "GET /cluster/resources?type=vm",
    kind: "observed",
    lines:
      vms.length === 0
        ? ["none"]
        : vms
            .sort((a, b) => a.vmid - b.vmid)
            .map((vm) => `${vm.vmid} ${plain(vm.name)} on ${plain(vm.node)}: ${plain(vm.status)}`),
  });
  const ours = nodes.filter((node) => vms.some((vm) => vm.vmid === node.vmid)).slice(0, MAX_VM_CONFIGS);
  const configs = await Promise.all(
    ours.map(async (node) => {
      const vm = vms.find((candidate) => candidate.vmid === node.vmid);
      const at = vm?.node || node.pveNode;
      const config = await sheet.attempt(`GET /nodes/${at}/qemu/${node.vmid}/config`, () =>
        client.vmConfig(at, node.vmid),
      );
      return config ? configLine(node, vm?.name ?? "", config) : undefined;
    }),
  );
  sheet.add({
    title: "The cluster file's VMs as Proxmox has them",
    source: "GET /nodes/{node}/qemu/{vmid}/config",
    kind: "observed",
    lines: [
      ...configs.filter((line) => line !== undefined),
      ...nodes
        .filter((node) => !vms.some((vm) => vm.vmid === node.vmid))
        .map((node) => `${node.vmid} (${plain(node.name)} in the cluster file): no VM yet`),
    ],
  });
  return new Set(ours.map((node) => node.vmid));
}

function configLine(node: ResolvedNode, vmName: string, config: Record<string, string | number>): string {
  const fields = Object.entries(config)
    .filter(([key]) => VM_CONFIG_KEYS.test(key))
    .map(([key, value]) => `${key} ${plain(value)}`);
  const holder =
    vmName === node.name
      ? ""
      : ` (the cluster file's ${plain(node.name)}; Proxmox calls it ${plain(vmName)})`;
  // net0 is `virtio=<MAC>,bridge=<bridge>` (qemu-server's netX property string), MAC in upper case.
  const mac = /=([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(String(config["net0"] ?? ""))?.[1]?.toLowerCase();
  const macNote =
    mac === undefined || mac === node.mac
      ? ""
      : `; its MAC ${plain(mac)} is not the cluster file's ${plain(node.mac)}`;
  return `${node.vmid} ${plain(vmName)}${holder}: ${fields.join("; ")}${macNote}`;
}

/** Each Proxmox node name the cluster file uses, with the fields that name it. */
function namedNodes(cluster: ClusterFile): Map<string, string[]> {
  const named = new Map<string, string[]>([[cluster.proxmox.node, ["proxmox.node"]]]);
  cluster.nodes.forEach((node, index) => {
    if (node.pveNode !== undefined) {
      named.set(node.pveNode, [...(named.get(node.pveNode) ?? []), `nodes.${index}.pveNode`]);
    }
  });
  return named;
}

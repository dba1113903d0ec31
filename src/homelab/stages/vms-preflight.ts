import type { ClusterFile } from "../cluster-file/index.ts";
import type { ProxmoxClient } from "../proxmox/index.ts";

/**
 * The vms stage's preflight: storage, ISO storage and bridge checked before any task runs, and
 * told apart when absent. Proxmox lists only what the token may see: storages it holds
 * Datastore.Audit or Datastore.AllocateSpace on (proxmox/pve-storage@9.1.7
 * src/PVE/API2/Storage/Status.pm:243-245), bridges it holds SDN.Audit or SDN.Use on at
 * /sdn/zones/localnetwork/<bridge> (proxmox/pve-manager@14a22df3 (9.2.11) PVE/API2/Network.pm:470-482).
 * So a name missing from a listing is either missing or invisible, and `GET /access/permissions`
 * says which. Only "does not exist" is worded so the storage and bridge playbooks match it: a name
 * the token merely cannot see is never rewritten.
 */

export type PreflightApi = Pick<ProxmoxClient, "nodeStorage" | "nodeNetwork" | "privileges">;

/** A problem the vms stage found before any task ran; the message is the one line to show. */
export class VmsStageError extends Error {
  override name = "VmsStageError";
}

/** What creating a VM needs beyond VM.Allocate (proxmox/qemu-server@9.2.6 src/PVE/API2/Qemu.pm:1164-1168). */
const DISK_PRIVILEGE = "Datastore.AllocateSpace";
const BRIDGE_PRIVILEGE = "SDN.Use";
/**
 * What `download-url` needs: Datastore.AllocateTemplate on the storage and either Sys.Audit plus
 * Sys.Modify on / or Sys.AccessNetwork on the node (pve-storage Status.pm:743-757).
 */
const TEMPLATE_PRIVILEGE = "Datastore.AllocateTemplate";

const grant = (tokenId: string, path: string, role: string) =>
  `pveum acl modify ${path} --tokens '${tokenId}' --roles ${role}`;

async function missingOrInvisible(
  client: PreflightApi,
  cluster: ClusterFile,
  what: { kind: "storage" | "bridge"; name: string; node: string; has: string; field: string },
  path: string,
  seeing: readonly string[],
  needed: string,
  role: string,
): Promise<VmsStageError> {
  const held = await client.privileges(path);
  const tokenId = cluster.proxmox.tokenId;
  if (seeing.some((privilege) => held.has(privilege))) {
    return new VmsStageError(
      `proxmox: ${what.kind} "${what.name}" does not exist on node ${what.node} (it has: ${what.has}); set ${what.field}`,
    );
  }
  return new VmsStageError(
    `proxmox: ${what.kind} "${what.name}" is invisible to token ${tokenId} on node ${what.node} (it sees: ${what.has}): the token holds none of ${seeing.join(", ")} on ${path}, so Proxmox leaves it out; it needs ${needed} there (${grant(tokenId, path, role)}), or check the name in ${what.field}`,
  );
}

export async function preflightNode(
  client: PreflightApi,
  cluster: ClusterFile,
  pveNode: string,
): Promise<void> {
  const { storage, isoStorage, bridge, tokenId } = cluster.proxmox;
  const storages = await client.nodeStorage(pveNode);
  const names = storages.map((candidate) => candidate.storage).join(", ") || "none";
  for (const [wanted, content, field, needed] of [
    [storage, "images", "proxmox.storage", DISK_PRIVILEGE],
    [isoStorage, "iso", "proxmox.isoStorage", TEMPLATE_PRIVILEGE],
  ] as const) {
    const found = storages.find((candidate) => candidate.storage === wanted);
    const path = `/storage/${wanted}`;
    if (!found) {
      throw await missingOrInvisible(
        client,
        cluster,
        { kind: "storage", name: wanted, node: pveNode, has: names, field },
        path,
        ["Datastore.Audit", "Datastore.AllocateSpace"],
        needed,
        needed === DISK_PRIVILEGE ? "PVEDatastoreUser" : "PVEDatastoreAdmin",
      );
    }
    const types = found.content.split(",");
    if (!types.includes(content)) {
      const fitting = storages
        .filter((candidate) => candidate.content.split(",").includes(content))
        .map((c) => c.storage);
      throw new VmsStageError(
        `proxmox: storage "${wanted}" on node ${pveNode} does not hold ${content} (content: ${found.content}); set ${field} to one that does (${fitting.join(", ") || "none on this node"})`,
      );
    }
    if (found.active === false || found.enabled === false) {
      throw new VmsStageError(`proxmox: storage "${wanted}" on node ${pveNode} is not active`);
    }
    if (needed === DISK_PRIVILEGE && !(await client.privileges(path)).has(needed)) {
      throw new VmsStageError(
        `proxmox: token ${tokenId} lacks ${needed} on ${path}: Proxmox would refuse the VM's disk (403); ${grant(tokenId, path, "PVEDatastoreUser")}`,
      );
    }
  }
  const bridges = await client.nodeNetwork(pveNode, { type: "any_bridge" });
  const found = bridges.find((candidate) => candidate.iface === bridge);
  const bridgePath = `/sdn/zones/localnetwork/${bridge}`;
  if (!found) {
    const list = bridges.map((candidate) => candidate.iface).join(", ") || "none";
    throw await missingOrInvisible(
      client,
      cluster,
      { kind: "bridge", name: bridge, node: pveNode, has: list, field: "proxmox.bridge" },
      bridgePath,
      ["SDN.Audit", "SDN.Use"],
      BRIDGE_PRIVILEGE,
      "PVESDNUser",
    );
  }
  // `active` is 1 or absent (pve-common Network/Interfaces.pm:341-345): absent means not running.
  if (found.active !== true) {
    throw new VmsStageError(
      `proxmox: bridge "${bridge}" on node ${pveNode} is not active; apply the pending network configuration on the node`,
    );
  }
  if (!(await client.privileges(bridgePath)).has(BRIDGE_PRIVILEGE)) {
    throw new VmsStageError(
      `proxmox: token ${tokenId} lacks ${BRIDGE_PRIVILEGE} on ${bridgePath}: Proxmox would refuse the VM's network device (403); ${grant(tokenId, bridgePath, "PVESDNUser")}`,
    );
  }
}

/** Before a download: the ISO storage's template privilege and the network-probe privilege. */
export async function preflightDownload(
  client: Pick<ProxmoxClient, "privileges">,
  cluster: ClusterFile,
  pveNode: string,
): Promise<void> {
  const { isoStorage, tokenId } = cluster.proxmox;
  const storagePath = `/storage/${isoStorage}`;
  if (!(await client.privileges(storagePath)).has(TEMPLATE_PRIVILEGE)) {
    throw new VmsStageError(
      `proxmox: token ${tokenId} lacks ${TEMPLATE_PRIVILEGE} on ${storagePath}: Proxmox would refuse to download the Talos ISO (403); ${grant(tokenId, storagePath, "PVEDatastoreAdmin")}, or upload the ISO by hand`,
    );
  }
  const onNode = await client.privileges(`/nodes/${pveNode}`);
  if (onNode.has("Sys.AccessNetwork")) {
    return;
  }
  const onRoot = await client.privileges("/");
  if (!(onRoot.has("Sys.Audit") && onRoot.has("Sys.Modify"))) {
    throw new VmsStageError(
      `proxmox: token ${tokenId} lacks Sys.AccessNetwork on /nodes/${pveNode} (or Sys.Audit and Sys.Modify on /): Proxmox would refuse download-url (403); grant one of them, or upload the ISO by hand`,
    );
  }
}

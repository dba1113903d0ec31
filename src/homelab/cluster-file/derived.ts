import type { ClusterFile, ClusterNode, InstallDisk } from "./schema.ts";

/** The tag our VMs carry in Proxmox; a VM without it is never touched. */
export const VM_TAG = "homelab-orchestrator";

/** The Image Factory ISO: `talos.isoUrl` or the URL derived from schematic and version. */
export function talosIsoUrl(cluster: ClusterFile): string {
  const { talos } = cluster;
  return (
    talos.isoUrl ?? `https://factory.talos.dev/image/${talos.schematicId}/${talos.version}/metal-amd64.iso`
  );
}

/** The installer image for machine configs, from the same schematic and version as the ISO. */
export function talosInstallerImage(cluster: ClusterFile): string {
  return `factory.talos.dev/installer/${cluster.talos.schematicId}:${cluster.talos.version}`;
}

/** A node with the cluster defaults filled in: everything the vms and talos stages need for it. */
export interface ResolvedNode {
  readonly name: string;
  readonly role: ClusterNode["role"];
  readonly ip: string;
  /** Lower case, as Proxmox prints it back. */
  readonly mac: string;
  readonly vmid: number;
  readonly pveNode: string;
  readonly cpuType: string;
  readonly cores: number;
  readonly memoryMiB: number;
  readonly diskGiB: number;
  readonly scsihw: string;
  readonly installDisk: InstallDisk;
}

export function resolveNode(cluster: ClusterFile, node: ClusterNode): ResolvedNode {
  const defaults = cluster.proxmox.vmDefaults;
  return {
    name: node.name,
    role: node.role,
    ip: node.ip,
    mac: node.mac.toLowerCase(),
    vmid: node.vmid,
    pveNode: node.pveNode ?? cluster.proxmox.node,
    cpuType: defaults.cpuType,
    cores: node.cores ?? defaults.cores,
    memoryMiB: node.memoryMiB ?? defaults.memoryMiB,
    diskGiB: node.diskGiB ?? defaults.diskGiB,
    scsihw: defaults.scsihw,
    installDisk: node.installDisk ?? cluster.talos.installDisk,
  };
}

export function resolveNodes(cluster: ClusterFile): ResolvedNode[] {
  return cluster.nodes.map((node) => resolveNode(cluster, node));
}

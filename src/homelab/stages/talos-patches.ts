import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ClusterFile, ResolvedNode } from "../cluster-file/index.ts";

/**
 * The machine-config patches the talos stage renders from the cluster file (talhelper's job in
 * cluster-template), plus the ones the repo tracks under talos/patches/ (all nodes),
 * talos/patches/controller/ and talos/patches/worker/.
 */

/** Every node: CNI, CIDRs, time servers. */
export function clusterPatch(cluster: ClusterFile): string {
  const { kubernetes, network } = cluster;
  return stringify({
    machine: {
      ...(network.ntp.length > 0 ? { time: { servers: network.ntp } } : {}),
      network: { nameservers: network.dns },
    },
    cluster: {
      network: {
        podSubnets: [kubernetes.podCidr],
        serviceSubnets: [kubernetes.serviceCidr],
        // Cilium and "none" are installed by the infra stage; Talos must not bring its own CNI.
        ...(kubernetes.cni === "flannel" ? {} : { cni: { name: "none" } }),
      },
    },
  });
}

/** Control planes: metrics bound to all interfaces, so the obs stage can scrape them (siderolabs/talos#3765). */
export function controlPlanePatch(): string {
  return stringify({
    cluster: {
      controllerManager: { extraArgs: { "bind-address": "0.0.0.0" } },
      scheduler: { extraArgs: { "bind-address": "0.0.0.0" } },
      etcd: { extraArgs: { "listen-metrics-urls": "http://0.0.0.0:2381" } },
    },
  });
}

/** One node: hostname, a static address on the NIC chosen by MAC (not eth0), the VIP on control planes, its disk. */
export function nodePatch(cluster: ClusterFile, node: ResolvedNode): string {
  const prefix = cluster.network.cidr.split("/")[1] ?? "24";
  const install =
    typeof node.installDisk === "string"
      ? { disk: node.installDisk }
      : {
          diskSelector: Object.fromEntries(
            Object.entries(node.installDisk).filter(([, v]) => v !== undefined),
          ),
        };
  return stringify({
    machine: {
      network: {
        hostname: node.name,
        interfaces: [
          {
            deviceSelector: { hardwareAddr: node.mac },
            addresses: [`${node.ip}/${prefix}`],
            routes: [{ network: "0.0.0.0/0", gateway: cluster.network.gateway }],
            dhcp: false,
            ...(node.role === "controlplane" ? { vip: { ip: cluster.kubernetes.endpoint.vip } } : {}),
          },
        ],
      },
      install,
    },
  });
}

/** The tracked patch files of one folder, in name order. */
export function trackedPatches(worktree: string, folder: string): string[] {
  const dir = join(worktree, "talos", "patches", folder);
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

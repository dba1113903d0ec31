import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ClusterFile, ResolvedNode } from "../cluster-file/index.ts";

/**
 * The machine-config patches the talos stage renders from the cluster file (talhelper's job in
 * cluster-template), plus the ones the repo tracks under talos/patches/ (all nodes),
 * talos/patches/controller/ and talos/patches/worker/.
 */

/**
 * The Talos minor of `talos.version` (`v1.12.4` → 12): the config contract `gen config` gets, so
 * the documents it emits, and which documents our patches must use. Supported: 1.10 and later.
 */
export function talosMinor(cluster: ClusterFile): number {
  return Number(/^v?1\.(\d+)/.exec(cluster.talos.version)?.[1] ?? "0");
}

/**
 * From 1.12 `gen config` emits a `HostnameConfig` document (`auto: stable`), and the machinery
 * then refuses `machine.network.hostname` ("static hostname is already set in v1alpha1 config"):
 * the hostname must go into that document, as Talos's own `stdpatches.WithStaticHostname` does
 * (siderolabs/talos@v1.12.4 pkg/machinery/config/generate/init.go:237-241,
 * generate/stdpatches/stdpatches.go:21-37, types/network/hostname.go:151-158; contract
 * `MultidocNetworkConfigSupported` = newer than 1.11).
 */
export const HOSTNAME_DOCUMENT_SINCE = 12;

/**
 * From 1.14 (siderolabs/talos main) `gen config` emits a `ResolverConfig` document, which refuses
 * `machine.network.nameservers` (siderolabs/talos@ad8823176 pkg/machinery/config/generate/init.go:252-260,
 * types/network/resolver.go:263-270, contract.go:263-265 `HostDNSMultidocConfig` = newer than 1.13).
 */
export const RESOLVER_DOCUMENT_SINCE = 14;

/** YAML documents as one multi-document patch (talosctl merges each by apiVersion, kind and name). */
function documents(...docs: readonly object[]): string {
  return docs.map((doc) => stringify(doc)).join("---\n");
}

/** Every node: CNI, CIDRs, time servers, name servers (in the document the version wants). */
export function clusterPatch(cluster: ClusterFile): string {
  const { kubernetes, network } = cluster;
  const resolverDocument = talosMinor(cluster) >= RESOLVER_DOCUMENT_SINCE;
  const main = {
    machine: {
      ...(network.ntp.length > 0 ? { time: { servers: network.ntp } } : {}),
      ...(resolverDocument ? {} : { network: { nameservers: network.dns } }),
    },
    cluster: {
      network: {
        podSubnets: [kubernetes.podCidr],
        serviceSubnets: [kubernetes.serviceCidr],
        // Cilium and "none" are installed by the infra stage; Talos must not bring its own CNI.
        ...(kubernetes.cni === "flannel" ? {} : { cni: { name: "none" } }),
      },
    },
  };
  return resolverDocument
    ? documents(main, {
        apiVersion: "v1alpha1",
        kind: "ResolverConfig",
        nameservers: network.dns.map((address) => ({ address })),
      })
    : documents(main);
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

/**
 * One node: hostname (v1alpha1 before 1.12, a `HostnameConfig` document from 1.12), a static
 * address on the NIC chosen by MAC (not eth0), the VIP on control planes, its disk.
 */
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
  const hostnameDocument = talosMinor(cluster) >= HOSTNAME_DOCUMENT_SINCE;
  const main = {
    machine: {
      network: {
        ...(hostnameDocument ? {} : { hostname: node.name }),
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
  };
  return hostnameDocument
    ? documents(main, { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: node.name })
    : documents(main);
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

import { runArgv } from "../../adapters/process/index.ts";
import { parseClusterFile } from "../cluster-file/index.ts";
import { connectionFromCluster, ProxmoxClient } from "../proxmox/index.ts";
import type { PlaybookFactSource } from "./types.ts";

const TALOSCTL_TIMEOUT_MS = 30_000;

/**
 * Facts from the real systems, read-only: the Proxmox API as the cluster file describes it (token
 * secret from the environment or its file, never from the repo) and `talosctl get disks --insecure`.
 */
export function liveFactSource(options: { baseDir: string; env: NodeJS.ProcessEnv }): PlaybookFactSource {
  const client = async (clusterText: string) => {
    const cluster = parseClusterFile(clusterText, "cluster file");
    return new ProxmoxClient(
      await connectionFromCluster(cluster, { env: options.env, baseDir: options.baseDir }),
    );
  };
  return {
    storages: async (clusterText, node) => (await client(clusterText)).nodeStorage(node),
    bridges: async (clusterText, node) =>
      (await client(clusterText)).nodeNetwork(node, { type: "any_bridge" }),
    vmConfig: async (clusterText, node, vmid) => (await client(clusterText)).vmConfig(node, vmid),
    privileges: async (clusterText, path) => (await client(clusterText)).privileges(path),
    async nodes(clusterText) {
      // GET /nodes: `node` and `status` (online, offline, unknown) per cluster member
      // (pve-manager PVE/API2/Nodes.pm, the Nodes index).
      const listed = await (await client(clusterText)).get("/nodes");
      return (Array.isArray(listed) ? listed : []).flatMap((entry: unknown) => {
        const { node, status } = (entry ?? {}) as { node?: unknown; status?: unknown };
        return typeof node === "string" ? [{ node, online: status === "online" }] : [];
      });
    },
    async talosDisks(ip) {
      const result = await runArgv(["talosctl", "get", "disks", "--insecure", "-n", ip, "-e", ip], {
        cwd: options.baseDir,
        env: options.env,
        timeoutMs: TALOSCTL_TIMEOUT_MS,
        tailLines: 500,
      });
      if (result.exitCode !== 0) {
        throw new Error(
          `talosctl get disks --insecure -n ${ip} failed: ${result.startError ?? result.tail.slice(-2).join(" | ")}`,
        );
      }
      return result.tail.join("\n");
    },
  };
}

import { runArgv } from "../../adapters/process/index.ts";
import { parseClusterFile } from "../cluster-file/index.ts";
import { connectionFromCluster, ProxmoxClient, type ProxmoxConnection } from "../proxmox/index.ts";
import type { ProviderAccess, ProxmoxAccess } from "./fact-stores/types.ts";
import type { PlaybookFactSource } from "./types.ts";

const TALOSCTL_TIMEOUT_MS = 30_000;

/**
 * The connection a Terraform repo's Proxmox provider uses: its arguments (resolved through the
 * module's variables), each else from the provider's own environment variables. bpg/proxmox:
 * PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN (`user@realm!tokenid=secret`), PROXMOX_VE_INSECURE,
 * the endpoint given without /api2/json (bpg/terraform-provider-proxmox@01a8f97 docs/index.md,
 * "Argument Reference"). Telmate/proxmox: PM_API_URL, PM_API_TOKEN_ID and PM_API_TOKEN_SECRET;
 * `pm_tls_insecure` has no variable (Telmate/terraform-provider-proxmox docs/index.md, "Argument
 * Reference"). The client adds /api2/json when it is missing.
 */
export function connectionFromProvider(access: ProviderAccess, env: NodeJS.ProcessEnv): ProxmoxConnection {
  const bpg = access.provider === "bpg";
  const endpoint = access.endpoint ?? env[bpg ? "PROXMOX_VE_ENDPOINT" : "PM_API_URL"];
  const fromEnv = bpg
    ? env["PROXMOX_VE_API_TOKEN"]
    : env["PM_API_TOKEN_ID"] !== undefined && env["PM_API_TOKEN_SECRET"] !== undefined
      ? `${env["PM_API_TOKEN_ID"]}=${env["PM_API_TOKEN_SECRET"]}`
      : undefined;
  const token = access.apiToken ?? fromEnv;
  const split = token === undefined ? undefined : /^([^!=\s]+![^=\s]+)=(\S+)$/.exec(token.trim());
  const names = bpg
    ? { endpoint: "endpoint, or PROXMOX_VE_ENDPOINT", token: "api_token, or PROXMOX_VE_API_TOKEN" }
    : {
        endpoint: "pm_api_url, or PM_API_URL",
        token: "pm_api_token_id and pm_api_token_secret, or PM_API_TOKEN_ID and PM_API_TOKEN_SECRET",
      };
  if (endpoint === undefined || split === undefined || split === null) {
    const missing = [
      endpoint === undefined ? `the endpoint (provider argument ${names.endpoint})` : undefined,
      split === undefined
        ? `an API token (provider argument ${names.token})`
        : split === null
          ? "an API token of the form user@realm!tokenid=secret"
          : undefined,
    ].filter((item): item is string => item !== undefined);
    throw new Error(`the Proxmox provider in ${access.dir} is missing ${missing.join(" and ")}`);
  }
  const insecureEnv = bpg ? env["PROXMOX_VE_INSECURE"] : undefined;
  return {
    endpoint,
    tokenId: split[1] as string,
    tokenSecret: split[2] as string,
    tls: { insecure: access.insecure ?? (insecureEnv === "true" || insecureEnv === "1") },
  };
}

/**
 * Facts from the real systems, read-only: the Proxmox API as the cluster file (token secret from
 * the environment or its file, never from the repo) or the Terraform provider describes it, and
 * `talosctl get disks --insecure`.
 */
export function liveFactSource(options: { baseDir: string; env: NodeJS.ProcessEnv }): PlaybookFactSource {
  const client = async (access: ProxmoxAccess) => {
    if (typeof access !== "string") {
      return new ProxmoxClient(connectionFromProvider(access, options.env));
    }
    const cluster = parseClusterFile(access, "cluster file");
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

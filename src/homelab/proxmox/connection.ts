import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { UserError } from "../../errors/index.ts";
import type { ClusterFile } from "../cluster-file/index.ts";
import type { ProxmoxConnection } from "./transport.ts";

export interface ConnectionSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Relative `caFile` paths are resolved from here (the homelab repo). */
  readonly baseDir: string;
}

/**
 * The connection the cluster file describes. The secret comes from `proxmox.tokenSecretFile` when
 * set, else from the environment variable `proxmox.tokenSecretEnv`; never from the file itself.
 */
export async function connectionFromCluster(
  cluster: ClusterFile,
  sources: ConnectionSources,
): Promise<ProxmoxConnection> {
  const { proxmox } = cluster;
  const tokenSecret = await readSecret(cluster, sources);
  let ca: string | undefined;
  if (proxmox.caFile !== undefined) {
    const path = resolve(sources.baseDir, expandHome(proxmox.caFile));
    ca = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`proxmox.caFile ${path} cannot be read: ${error.code ?? error.message}`);
    });
  }
  return {
    endpoint: proxmox.endpoint,
    tokenId: proxmox.tokenId,
    tokenSecret,
    tls: {
      insecure: proxmox.insecureTLS,
      ...(ca === undefined ? {} : { ca }),
      ...(proxmox.fingerprint === undefined ? {} : { fingerprint: proxmox.fingerprint }),
    },
  };
}

async function readSecret({ proxmox }: ClusterFile, { env }: ConnectionSources): Promise<string> {
  if (proxmox.tokenSecretFile !== undefined) {
    const path = expandHome(proxmox.tokenSecretFile);
    const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`proxmox.tokenSecretFile ${path} cannot be read: ${error.code ?? error.message}`);
    });
    const secret = text.trim();
    if (secret === "") {
      throw new UserError(
        `proxmox.tokenSecretFile ${path} is empty; it should hold the secret of ${proxmox.tokenId}`,
      );
    }
    return secret;
  }
  const secret = env[proxmox.tokenSecretEnv]?.trim();
  if (!secret) {
    throw new UserError(
      `${proxmox.tokenSecretEnv} is not set: export it with the secret of the API token ${proxmox.tokenId} (or set proxmox.tokenSecretFile)`,
    );
  }
  return secret;
}

function expandHome(path: string): string {
  return path.startsWith("~/") ? resolve(homedir(), path.slice(2)) : path;
}

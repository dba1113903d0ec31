import type { DiagnosticsCredentials } from "../../config/schema.ts";
import type { ClusterFile } from "../cluster-file/index.ts";

/**
 * Which Proxmox API token a diagnostic uses. When the context map's diagnostics_credentials name
 * a read-only (PVEAuditor) token and its secret is in the environment, that token, so a model's
 * diagnostic cannot do what the stage's own token may; otherwise the stage's token.
 */
export function clusterForDiagnostics(
  cluster: ClusterFile,
  credentials: DiagnosticsCredentials | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ClusterFile {
  const auditor = auditorToken(credentials, env);
  return auditor ? withToken(cluster, auditor) : cluster;
}

interface AuditorToken {
  readonly tokenId: string;
  readonly secretEnv: string;
}

/** The read-only token, when the context map names it and its secret is in the environment. */
function auditorToken(
  credentials: DiagnosticsCredentials | undefined,
  env: Readonly<Record<string, string | undefined>>,
): AuditorToken | undefined {
  const tokenId = credentials?.proxmox_token_id;
  const secretEnv = credentials?.proxmox_token_secret_env;
  if (tokenId === undefined || secretEnv === undefined || !env[secretEnv]?.trim()) {
    return undefined;
  }
  return { tokenId, secretEnv };
}

/** The cluster file's connection with another token; its secret comes from the variable only. */
function withToken(cluster: ClusterFile, token: AuditorToken): ClusterFile {
  const { tokenSecretFile: _stageSecretFile, ...proxmox } = cluster.proxmox;
  return { ...cluster, proxmox: { ...proxmox, tokenId: token.tokenId, tokenSecretEnv: token.secretEnv } };
}

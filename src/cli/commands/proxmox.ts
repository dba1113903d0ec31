import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import type { DiagnosticsCredentials } from "../../config/index.ts";
import { UserError } from "../../errors/index.ts";
import type { ClusterFile } from "../../homelab/cluster-file/index.ts";

/** Where the command runs; tests pass their own. */
export type ProxmoxCommandContext = {
  cwd: () => string;
  env: Readonly<Record<string, string | undefined>>;
  write: (text: string) => void;
};

const DEFAULT_CONTEXT: ProxmoxCommandContext = {
  cwd: () => process.cwd(),
  env: process.env,
  write: (text) => process.stdout.write(text),
};

/**
 * `orchestrator proxmox get <api-path> [--cluster file]`: one GET of a read-only Proxmox API path
 * (the allowlist in core/diagnostics-policy), the diagnostic a model may ask for in the vms stage.
 * It uses the cluster file's endpoint and, when the context map's diagnostics_credentials name a
 * Proxmox token whose secret is in the environment, that read-only (PVEAuditor) token instead of
 * the stage's. Prints the answer's `data` as JSON (exit 0) or Proxmox's error line (exit 1); a
 * path off the list, a bad cluster file or a missing secret is a usage error (exit 2).
 */
export function registerProxmoxCommands(
  program: Command,
  context: ProxmoxCommandContext = DEFAULT_CONTEXT,
): void {
  const proxmox = program
    .command("proxmox")
    .description("read the Proxmox VE API (read-only; what the vms stage's diagnostics use)");
  proxmox
    .command("get")
    .description("GET one read-only API path and print its data as JSON, e.g. /nodes/pve/qemu/121/config")
    .argument("<api-path>", "below /api2/json, with its query quoted: '/nodes/pve/tasks?vmid=121&errors=1'")
    .option("--cluster <file>", "the cluster file (default: the only one in config/clusters/)")
    .action(async (path: string, options: { cluster?: string }) => {
      await proxmoxGet(context, path, options.cluster);
    });
}

async function proxmoxGet(context: ProxmoxCommandContext, path: string, clusterOption: string | undefined) {
  const [{ checkProxmoxReadPath }, proxmox, { findClusterFile }] = await Promise.all([
    import("../../core/diagnostics-policy/index.ts"),
    import("../../homelab/proxmox/index.ts"),
    import("../../homelab/cluster-file/index.ts"),
  ]);
  // Judged before any file or secret is read, so a refused path costs nothing.
  const read = checkProxmoxReadPath(path);
  if (!read.ok) {
    throw new UserError(`proxmox get ${path}: ${read.reason}`);
  }
  const cwd = context.cwd();
  const { cluster } = await findClusterFile(cwd, clusterOption);
  const auditor = auditorToken(await diagnosticsCredentials(cwd), context.env);
  const connection = await proxmox.connectionFromCluster(auditor ? withToken(cluster, auditor) : cluster, {
    env: context.env,
    baseDir: cwd,
  });
  try {
    const data = await new proxmox.ProxmoxClient(connection).get(path);
    context.write(`${JSON.stringify(data, null, 2)}\n`);
  } catch (error) {
    if (!(error instanceof proxmox.ProxmoxError)) {
      throw error;
    }
    context.write(`${error.message}\n`);
    process.exitCode = 1;
  }
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

/**
 * The context map's diagnostics_credentials, from the nearest ai/context_map.yaml at or above
 * the working folder (the AI worktree when the loop runs diagnostics); none outside a homelab
 * repo. Parsed directly rather than through the cache, so a diagnostic writes nothing.
 */
async function diagnosticsCredentials(cwd: string): Promise<DiagnosticsCredentials | undefined> {
  const { CONTEXT_MAP_PATH, parseContextMap } = await import("../../config/index.ts");
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    const file = join(folder, CONTEXT_MAP_PATH);
    if (existsSync(file)) {
      return parseContextMap(await readFile(file, "utf8")).diagnostics_credentials;
    }
    if (dirname(folder) === folder) {
      return undefined;
    }
  }
}

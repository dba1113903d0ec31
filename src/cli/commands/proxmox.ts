import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type DiagnosticsCredentials, parseContextMap } from "../../config/index.ts";
import { locateRepoRoot } from "../../config/repo-root.ts";
import { checkProxmoxReadPath } from "../../core/diagnostics-policy/index.ts";
import { CONTEXT_MAP_FILE } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import { findClusterFile } from "../../homelab/cluster-file/index.ts";
import { clusterForDiagnostics } from "../../homelab/proxmox/diagnostics-token.ts";
import { connectionFromCluster, ProxmoxClient, ProxmoxError } from "../../homelab/proxmox/index.ts";
import { type GlobalOptions, stepFolderOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator proxmox get <api-path> [--cluster file]`: one GET of a read-only Proxmox API path
 * (the allowlist in core/diagnostics-policy), the diagnostic a model may ask for in the vms stage,
 * with the token homelab/proxmox/diagnostics-token.ts chooses. Prints the answer's `data` as JSON
 * (exit 0) or Proxmox's error line (exit 1); a path off the list, a bad cluster file or a missing
 * secret is a usage error (exit 2).
 */
export async function run(
  [path]: [string],
  options: GlobalOptions & { cluster?: string },
  io: CliIO,
): Promise<number> {
  // Judged before any file or secret is read, so a refused path costs nothing.
  const read = checkProxmoxReadPath(path);
  if (!read.ok) {
    throw new UserError(`proxmox get ${path}: ${read.reason}`);
  }
  const folder = stepFolderOf(options, io);
  const { cluster } = await findClusterFile(folder, options.cluster);
  const chosen = clusterForDiagnostics(cluster, await diagnosticsCredentials(folder), io.env);
  const connection = await connectionFromCluster(chosen, { env: io.env, baseDir: folder });
  try {
    const data = await new ProxmoxClient(connection).get(path);
    io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ProxmoxError)) {
      throw error;
    }
    io.stdout.write(`${error.message}\n`);
    return 1;
  }
}

/**
 * The context map's diagnostics_credentials, from the homelab repo around the working folder;
 * none outside a homelab repo. Parsed directly rather than through the cache, so a diagnostic
 * writes nothing.
 */
async function diagnosticsCredentials(cwd: string): Promise<DiagnosticsCredentials | undefined> {
  const repoRoot = locateRepoRoot(cwd);
  if (repoRoot === undefined) {
    return undefined;
  }
  return parseContextMap(await readFile(join(repoRoot, CONTEXT_MAP_FILE), "utf8")).diagnostics_credentials;
}

import { readdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { parseDocument } from "yaml";
import { readIfExists } from "../../adapters/state-store/atomic-file.ts";
import { CLUSTER_FILES_DIR, ClusterFile } from "../cluster-file/index.ts";

export type ClusterForFacts =
  | { kind: "found"; path: string; cluster: ClusterFile }
  | { kind: "unreadable"; path: string; reason: string }
  | { kind: "none" };

/**
 * The cluster file the failing stage works on: the one its command names (`--cluster X`, as the
 * pack writes it), else the only `config/clusters/*.yaml`. Read against the schema alone, not
 * the cross-field rules: a file whose node IP is outside the subnet still says where Proxmox is,
 * and the facts are wanted most when the file is wrong.
 */
export async function clusterForFacts(
  homelabDir: string,
  command: string | undefined,
): Promise<ClusterForFacts> {
  const named = /(?:^|\s)--cluster(?:=|\s+)(\S+)/.exec(command ?? "")?.[1];
  const path = named ?? (await onlyClusterFile(homelabDir));
  if (path === undefined) {
    return { kind: "none" };
  }
  const text = await readIfExists(isAbsolute(path) ? path : join(homelabDir, path));
  if (text === undefined) {
    return { kind: "unreadable", path, reason: "not found" };
  }
  const document = parseDocument(text, { prettyErrors: false });
  const [syntax] = document.errors;
  if (syntax) {
    return { kind: "unreadable", path, reason: `not valid YAML: ${syntax.message}` };
  }
  const parsed = ClusterFile.safeParse(document.toJS({ maxAliasCount: 100 }) ?? {});
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.join(".") ?? "";
    return { kind: "unreadable", path, reason: `${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}` };
  }
  return { kind: "found", path, cluster: parsed.data };
}

async function onlyClusterFile(homelabDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(join(homelabDir, CLUSTER_FILES_DIR));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
  const files = names.filter((name) => /\.ya?ml$/.test(name)).sort();
  return files.length === 1 ? `${CLUSTER_FILES_DIR}/${files[0]}` : undefined;
}

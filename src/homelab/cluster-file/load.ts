import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { lineOf, parseYamlWithSchema } from "../../config/index.ts";
import { ConfigError, UserError } from "../../errors/index.ts";
import { type ClusterFileProblem, clusterFileProblem, inlineSecretProblem } from "./rules.ts";
import { ClusterFile } from "./schema.ts";

/** Pure: text → validated cluster file, or one `ConfigError` naming file, line and field. */
export function parseClusterFile(text: string, file: string): ClusterFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const fail = (problem: ClusterFileProblem): never => {
    throw new ConfigError(
      file,
      lineOf(document, lineCounter, problem.path),
      problem.path.join("."),
      problem.reason,
    );
  };
  if (document.errors.length === 0) {
    const secret = inlineSecretProblem(document.toJS({ maxAliasCount: 100 }));
    if (secret) {
      fail(secret);
    }
  }
  const cluster = parseYamlWithSchema(text, file, ClusterFile);
  const problem = clusterFileProblem(cluster);
  if (problem) {
    fail(problem);
  }
  return cluster;
}

/** Reads and validates `config/clusters/<name>.yaml`; a missing file is a `UserError`. */
export async function loadClusterFile(path: string): Promise<ClusterFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`cluster file ${path} not found; "orchestrator init" writes an example`);
    }
    throw error;
  }
  return parseClusterFile(text, path);
}

export const CLUSTER_FILES_DIR = "config/clusters";

/**
 * The cluster file a step, check or diagnostic works on: the one named (relative to the repo
 * or absolute), or else the only `config/clusters/*.yaml`. Errors name the file as the user
 * wrote it.
 */
export async function findClusterFile(
  repoRoot: string,
  named: string | undefined,
): Promise<{ clusterFile: string; cluster: ClusterFile }> {
  const clusterFile = named ?? (await onlyClusterFile(repoRoot));
  const text = await readFile(
    isAbsolute(clusterFile) ? clusterFile : join(repoRoot, clusterFile),
    "utf8",
  ).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cluster file ${clusterFile} cannot be read: ${error.code ?? error.message}`);
  });
  return { clusterFile, cluster: parseClusterFile(text, clusterFile) };
}

async function onlyClusterFile(repoRoot: string): Promise<string> {
  const names = await readdir(join(repoRoot, CLUSTER_FILES_DIR)).catch(() => [] as string[]);
  const files = names.filter((file) => /\.ya?ml$/.test(file));
  if (files.length !== 1) {
    const found = files.length === 0 ? "has none" : `has ${files.join(", ")}`;
    throw new UserError(`name the cluster file with --cluster (${CLUSTER_FILES_DIR}/ ${found})`);
  }
  return join(CLUSTER_FILES_DIR, files[0] ?? "");
}

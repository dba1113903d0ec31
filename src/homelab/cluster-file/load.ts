import { readdir, readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { lineOf, parseYamlWithSchema } from "../../config/index.ts";
import { issueMessage } from "../../config/parse-yaml.ts";
import { ConfigError, SecretInConfigError, UserError } from "../../errors/index.ts";
import { type ClusterFileProblem, clusterFileProblems, inlineSecretProblem } from "./rules.ts";
import { ClusterFile } from "./schema.ts";

/**
 * Pure: text → validated cluster file, or a `ConfigError` naming file, line and field of every
 * problem at once (a user fixes them together, not one per run). YAML syntax errors come first
 * and alone: nothing after them can be read.
 */
export function parseClusterFile(text: string, file: string): ClusterFile {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return parseYamlWithSchema(text, file, ClusterFile); // throws the syntax error with its line
  }
  const value = document.toJS({ maxAliasCount: 100 }) as unknown;
  // A secret written into the file is said alone: the schema's complaint about the same key
  // would only repeat it, and it must go before anything else.
  const secret = inlineSecretProblem(value);
  const problems: ClusterFileProblem[] = secret ? [secret] : [];
  const parsed = ClusterFile.safeParse(value ?? {});
  if (secret) {
    // reported alone, below
  } else if (parsed.success) {
    problems.push(...clusterFileProblems(parsed.data));
  } else {
    for (const issue of parsed.error.issues) {
      problems.push({
        path: issue.path.map((part) => (typeof part === "number" ? part : String(part))),
        reason: issueMessage(issue),
      });
    }
  }
  if (problems.length === 0 && parsed.success) {
    return parsed.data;
  }
  const located = problems.map((problem) => ({
    line: lineOf(document, lineCounter, problem.path),
    field: problem.path.join(".") || undefined,
    reason: problem.reason,
  }));
  const [first] = located;
  if (secret && first) {
    throw new SecretInConfigError(file, first.line, first.field, first.reason);
  }
  if (located.length === 1 && first) {
    throw new ConfigError(file, first.line, first.field, first.reason);
  }
  const listed = located
    .map(
      (problem) =>
        `${problem.line === undefined ? "" : `line ${problem.line}: `}${problem.field ? `${problem.field}: ` : ""}${problem.reason}`,
    )
    .join("; ");
  throw new ConfigError(file, first?.line, undefined, `${located.length} problems, all listed: ${listed}`);
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

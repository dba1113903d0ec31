import { readFile } from "node:fs/promises";
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

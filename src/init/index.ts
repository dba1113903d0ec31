import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readIfExists } from "../adapters/state-store/index.ts";
import {
  CLUSTER_FILE_SCHEMA_PATH,
  clusterJsonSchema,
  EXAMPLE_CLUSTER_FILE,
} from "../homelab/cluster-file/index.ts";
import {
  BOOTSTRAP_SHIM,
  CONTEXT_MAP_TEMPLATE,
  EXAMPLE_CLUSTER_PATH,
  EXECUTOR_INSTRUCTIONS_TEMPLATE,
  GITIGNORE_LINES,
  MASTER_MEMO_TEMPLATE,
  SCHEMA_FILE,
} from "./templates.ts";

export interface InitFile {
  path: string;
  content: string;
  executable?: boolean;
}

export interface InitResult {
  written: string[];
  kept: string[];
  gitignoreAdded: string[];
}

/**
 * Everything init writes: the stage pack's context map (and its JSON Schema, `schemaJson`), the
 * master memo, executor instructions, the seed's shim, and an example cluster file with its schema.
 */
export function defaultInitFiles(schemaJson: string): InitFile[] {
  return [
    { path: "ai/context_map.yaml", content: CONTEXT_MAP_TEMPLATE },
    { path: SCHEMA_FILE, content: schemaJson },
    { path: "ai/master_memo.md", content: MASTER_MEMO_TEMPLATE },
    { path: "ai/executor_instructions.md", content: EXECUTOR_INSTRUCTIONS_TEMPLATE },
    { path: "ai/bootstrap_loop.sh", content: BOOTSTRAP_SHIM, executable: true },
    { path: "ai/backlog.md", content: "# Backlog\n\nFollow-ups suggested by the model land here.\n" },
    { path: "ai/issues.txt", content: "" },
    { path: EXAMPLE_CLUSTER_PATH, content: EXAMPLE_CLUSTER_FILE },
    { path: CLUSTER_FILE_SCHEMA_PATH, content: `${JSON.stringify(clusterJsonSchema(), null, 2)}\n` },
  ];
}

/** Writes what is missing and never overwrites what exists; says which is which. */
export async function initRepo(repoRoot: string, files: InitFile[]): Promise<InitResult> {
  const result: InitResult = { written: [], kept: [], gitignoreAdded: [] };
  for (const file of files) {
    const target = join(repoRoot, file.path);
    if ((await readIfExists(target)) !== undefined) {
      result.kept.push(file.path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { flag: "wx" });
    if (file.executable) {
      await chmod(target, 0o755);
    }
    result.written.push(file.path);
  }
  result.gitignoreAdded = await addGitignoreLines(repoRoot, GITIGNORE_LINES);
  return result;
}

async function addGitignoreLines(repoRoot: string, lines: string[]): Promise<string[]> {
  const path = join(repoRoot, ".gitignore");
  const current = (await readIfExists(path)) ?? "";
  const present = new Set(current.split("\n").map((line) => line.trim()));
  const missing = lines.filter((line) => !present.has(line) && !present.has(line.replace(/\/$/, "")));
  if (missing.length > 0) {
    const prefix = current === "" || current.endsWith("\n") ? "" : "\n";
    await writeFile(path, `${current}${prefix}# homelab-orchestrator runtime data\n${missing.join("\n")}\n`);
  }
  return missing;
}

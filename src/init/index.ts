import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { readIfExists } from "../adapters/state-store/index.ts";
import {
  BACKLOG_FILE,
  BOOTSTRAP_SHIM_FILE,
  CONTEXT_MAP_FILE,
  EXECUTOR_INSTRUCTIONS_FILE,
  ISSUES_FILE,
  MASTER_MEMO_FILE,
} from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import {
  CLUSTER_FILE_SCHEMA_PATH,
  clusterJsonSchema,
  EXAMPLE_CLUSTER_FILE,
} from "../homelab/cluster-file/index.ts";
import { ADOPT_PACKS, type AdoptPack, adoptedStages, globsThatMatch, packsFor } from "./adopt-stages.ts";
import { detectRepo } from "./detect.ts";
import { adoptedExecutorInstructions, draftMemo, renderAdoptedContextMap } from "./render-adopted.ts";
import {
  bootstrapShim,
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
export function defaultInitFiles(schemaJson: string, cliPath?: string): InitFile[] {
  return [
    { path: "ai/context_map.yaml", content: CONTEXT_MAP_TEMPLATE },
    { path: SCHEMA_FILE, content: schemaJson },
    { path: "ai/master_memo.md", content: MASTER_MEMO_TEMPLATE },
    { path: "ai/executor_instructions.md", content: EXECUTOR_INSTRUCTIONS_TEMPLATE },
    { path: "ai/bootstrap_loop.sh", content: bootstrapShim(cliPath), executable: true },
    { path: "ai/backlog.md", content: "# Backlog\n\nFollow-ups suggested by the model land here.\n" },
    { path: "ai/issues.txt", content: "" },
    { path: EXAMPLE_CLUSTER_PATH, content: EXAMPLE_CLUSTER_FILE },
    { path: CLUSTER_FILE_SCHEMA_PATH, content: `${JSON.stringify(clusterJsonSchema(), null, 2)}\n` },
  ];
}

/** What `init` would write for a repo: the files, the packs chosen, and warnings to show. */
export interface InitPlan {
  /** "builtin" or the adopted packs, in run order. */
  packs: string[];
  files: InitFile[];
  warnings: string[];
}

/**
 * Reads the repo and plans init: stages calling its own tooling (talhelper, Terraform/OpenTofu,
 * Packer, cluster-template, Flux, Argo CD) when it has any, the built-in pack otherwise or when
 * `pack` is "builtin". `pack` may also name packs (comma-separated) to use whatever was found.
 */
export async function planInit(
  repoRoot: string,
  schemaJson: string,
  pack = "auto",
  cliPath?: string,
): Promise<InitPlan> {
  const facts = await detectRepo(repoRoot);
  const requested = pack === "auto" ? packsFor(facts) : pack === "builtin" ? [] : parsePacks(pack);
  if (requested.length === 0) {
    const warnings =
      facts.talosSecrets && facts.talosSecrets !== BUILTIN_TALOS_SECRETS
        ? [
            `found an existing Talos secrets bundle at ${facts.talosSecrets}: the talos stage generates ${BUILTIN_TALOS_SECRETS} only when it is absent, so move (or copy) it there to keep your cluster's identity (it is git-ignored)`,
          ]
        : [];
    return { packs: ["builtin"], files: defaultInitFiles(schemaJson, cliPath), warnings };
  }
  const warnings: string[] = [];
  const built = adoptedStages(facts, requested);
  const empty = requested.filter((name) => !built.some((stage) => stageOfPack(stage.name, name)));
  for (const name of empty) {
    warnings.push(`--pack ${name}: this repo has nothing for it (no ${PACK_EVIDENCE[name]})`);
  }
  if (built.length === 0) {
    throw new UserError(`no stage to write: ${warnings.join("; ")}`);
  }
  const { stages, unmatched } = globsThatMatch(built, facts.files);
  for (const { stage, glob } of unmatched) {
    warnings.push(`stage ${stage}: files glob "${glob}" matches no file here, so it was left out`);
  }
  const files: InitFile[] = [
    { path: CONTEXT_MAP_FILE, content: renderAdoptedContextMap(stages, requested) },
    { path: SCHEMA_FILE, content: schemaJson },
    { path: MASTER_MEMO_FILE, content: draftMemo(facts, stages) },
    { path: EXECUTOR_INSTRUCTIONS_FILE, content: adoptedExecutorInstructions(facts) },
    { path: BOOTSTRAP_SHIM_FILE, content: bootstrapShim(cliPath), executable: true },
    { path: BACKLOG_FILE, content: "# Backlog\n\nFollow-ups suggested by the model land here.\n" },
    { path: ISSUES_FILE, content: "" },
  ];
  return { packs: requested, files, warnings };
}

/** Where the built-in pack's talos step keeps the cluster's secrets bundle (GITIGNORE_LINES). */
const BUILTIN_TALOS_SECRETS = "talos/secrets.yaml";

const PACK_EVIDENCE: Record<AdoptPack, string> = {
  packer: "*.pkr.hcl",
  terraform: "*.tf or *.tofu",
  talhelper: "talconfig.yaml",
  "cluster-template": "makejinja.toml with a justfile and template/",
  flux: "Flux manifests",
  argocd: "Argo CD manifests",
};

function stageOfPack(stage: string, pack: AdoptPack): boolean {
  const names: Record<AdoptPack, string[]> = {
    packer: ["image"],
    terraform: ["vms"],
    talhelper: ["talos"],
    "cluster-template": ["configure"],
    flux: ["gitops"],
    argocd: ["gitops"],
  };
  return names[pack].some((name) => stage === name || stage.startsWith(`${name}-`));
}

function parsePacks(text: string): AdoptPack[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of names) {
    if (!(ADOPT_PACKS as readonly string[]).includes(name)) {
      throw new UserError(
        `--pack ${name}: unknown pack; packs: auto, builtin, ${ADOPT_PACKS.join(", ")} (comma-separated)`,
      );
    }
  }
  return ADOPT_PACKS.filter((name) => names.includes(name));
}

/** Writes what is missing and never overwrites what exists; says which is which. */
export async function initRepo(
  repoRoot: string,
  files: InitFile[],
  gitignoreLines: readonly string[] = GITIGNORE_LINES,
): Promise<InitResult> {
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
  result.gitignoreAdded = await addGitignoreLines(repoRoot, gitignoreLines);
  return result;
}

async function addGitignoreLines(repoRoot: string, lines: readonly string[]): Promise<string[]> {
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

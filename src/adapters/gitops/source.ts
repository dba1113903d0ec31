/**
 * The source Flux reconciles: its `GitRepository` (URL and branch) and the Kustomization that
 * applies a path of it, read from the repo's manifests. `flux bootstrap git` writes them to
 * `<path>/flux-system/gotk-sync.yaml`, both named flux-system (fluxcd.io/flux/cmd/flux_bootstrap_git
 * and fluxcd/flux2 cmd/flux/bootstrap_git.go); the fields are those of the source and kustomize
 * APIs: GitRepository `spec.url` and `spec.ref.branch` (fluxcd.io/flux/components/source/gitrepositories/),
 * Kustomization `spec.sourceRef` and `spec.path` (fluxcd.io/flux/components/kustomize/kustomizations/).
 * A fix to files under that path reaches the cluster only once it is on that branch of that remote.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

export interface FluxSource {
  /** The GitRepository's name and namespace (flux-system/flux-system after a bootstrap). */
  name: string;
  namespace: string;
  url: string;
  branch: string;
  /** The Kustomization's `spec.path` with the leading `./` dropped ("" for the repo root). */
  path: string;
  /** Where the GitRepository is declared, relative to the repo. */
  file: string;
}

const SKIPPED = new Set([".git", "ai", "node_modules", ".terraform"]);
const MAX_DEPTH = 8;

/** The GitRepository Flux syncs from (flux-system first), or undefined when the repo declares none. */
export async function findFluxSource(repoRoot: string): Promise<FluxSource | undefined> {
  const documents: { file: string; document: Record<string, unknown> }[] = [];
  for (const file of await yamlFiles(repoRoot, repoRoot, 0)) {
    const text = await readFile(file, "utf8");
    if (!/toolkit\.fluxcd\.io/.test(text)) {
      continue;
    }
    for (const parsed of parseAllDocuments(text)) {
      const document = parsed.errors.length === 0 ? (parsed.toJS() as unknown) : undefined;
      if (isRecord(document)) {
        documents.push({ file: relative(repoRoot, file), document });
      }
    }
  }
  return fluxSourceOf(documents);
}

/** The pure part: which GitRepository, and which Kustomization path of it. */
export function fluxSourceOf(
  documents: readonly { file: string; document: Record<string, unknown> }[],
): FluxSource | undefined {
  const sources = documents.filter(({ document }) =>
    kindOf(document, "source.toolkit.fluxcd.io", "GitRepository"),
  );
  const chosen = sources.find(({ document }) => nameOf(document) === "flux-system") ?? sources[0];
  if (!chosen) {
    return undefined;
  }
  const spec = record(chosen.document["spec"]);
  const ref = record(spec["ref"]);
  const name = nameOf(chosen.document) ?? "flux-system";
  const applyingAny = documents.filter(({ document }) => {
    const sourceRef = record(record(document["spec"])["sourceRef"]);
    return (
      kindOf(document, "kustomize.toolkit.fluxcd.io", "Kustomization") &&
      sourceRef["kind"] === "GitRepository" &&
      sourceRef["name"] === name
    );
  });
  // Every app's Kustomization names the same source (cluster-template's ks.yaml files); the root
  // one is bootstrap's, beside the GitRepository in gotk-sync.yaml and named like it.
  const applying =
    applyingAny.find(({ document }) => nameOf(document) === name) ??
    applyingAny.find(({ file }) => file === chosen.file) ??
    applyingAny[0];
  const path = String(record(applying?.document["spec"])["path"] ?? "").replace(/^\.\/?/, "");
  return {
    name,
    namespace: String(record(chosen.document["metadata"])["namespace"] ?? "flux-system"),
    url: String(spec["url"] ?? ""),
    // source-controller's default when no ref is given is the master branch (GitRepository docs, "Reference").
    branch: typeof ref["branch"] === "string" ? ref["branch"] : "master",
    path,
    file: chosen.file,
  };
}

async function yamlFiles(root: string, folder: string, depth: number): Promise<string[]> {
  if (depth > MAX_DEPTH) {
    return [];
  }
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && !(depth === 0 && SKIPPED.has(entry.name)) && entry.name !== ".git") {
      found.push(...(await yamlFiles(root, path, depth + 1)));
    } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

function kindOf(document: Record<string, unknown>, group: string, kind: string): boolean {
  return document["kind"] === kind && String(document["apiVersion"] ?? "").startsWith(`${group}/`);
}

function nameOf(document: Record<string, unknown>): string | undefined {
  const name = record(document["metadata"])["name"];
  return typeof name === "string" ? name : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Homelab rules: under Flux `prune: true`, whatever leaves Git is deleted from the cluster,
 * and regenerated Talos secrets lock the human out of their nodes. A patch that would do
 * either is refused, however small.
 */
import { parseAllDocuments } from "yaml";
import { matchesAnyGlob } from "../glob/index.ts";
import { applyHunks } from "./hunks.ts";
import type { FileChange, ParsedPatch } from "./parse.ts";

const TALOS_SECRET_GLOBS = [
  "**/talsecret*.{yaml,yml}",
  "**/talsecret*.sops.{yaml,yml}",
  "**/talos/**/secrets.{yaml,yml}",
  "**/talos/**/secrets.sops.{yaml,yml}",
  "**/talos/clusterconfig/**",
];
const isTalosSecret = (path: string) => matchesAnyGlob(path, TALOS_SECRET_GLOBS);

/** Kinds whose deletion destroys data or takes a whole tree of objects with it. */
const PRUNED_KINDS: { kind: string; group?: string; what: string }[] = [
  { kind: "Kustomization", group: "kustomize.toolkit.fluxcd.io", what: "Flux Kustomization" },
  { kind: "HelmRelease", what: "HelmRelease" },
  { kind: "Namespace", what: "Namespace" },
  { kind: "PersistentVolumeClaim", what: "PersistentVolumeClaim" },
];

type ManifestObject = { what: string; name: string; path: string | undefined };

const isYaml = (path: string) => /\.ya?ml$/i.test(path);
const isKustomizeFile = (path: string) => /(^|\/)kustomization\.ya?ml$/i.test(path);

/**
 * Paths whose current content the guard's rules need (the adapter reads them): YAML for the
 * destructive rules, and every other text file a script could be (the reach rules tell a script
 * by its name or its shebang).
 */
export function pathsNeedingContent(patch: ParsedPatch): string[] {
  return patch.files.flatMap((change) =>
    change.kind !== "create" && change.oldPath !== null && !change.binary ? [change.oldPath] : [],
  );
}

/**
 * The folders the Flux Kustomizations of the patch's YAML files apply today (spec.path without
 * its leading `./`): the adapter says which exist at the branch tip, since moving a Kustomization
 * off a folder that does not exist prunes nothing (below).
 */
export function fluxPathsNeedingFacts(oldContents: Record<string, string>): string[] {
  const found = new Map<string, ManifestObject>();
  for (const [path, text] of Object.entries(oldContents)) {
    addObjects(found, path, text);
  }
  return [
    ...new Set([...found.values()].flatMap((object) => (object.path ? [repoPathOf(object.path)] : []))),
  ].filter((path) => path !== "");
}

const repoPathOf = (fluxPath: string) => fluxPath.replace(/^\.\//, "").replace(/\/+$/, "");

/**
 * Reasons this patch is destructive; empty when it is not. `existingPaths` (from the branch tip)
 * lets a Kustomization leave a spec.path that does not exist: kustomize-controller fails such a
 * build with "kustomization path not found" before it applies or prunes anything
 * (fluxcd/kustomize-controller@v1.9.4 internal/controller/kustomization_controller.go:377-381), so
 * the path produced nothing a prune could take: that is the fix for a mistyped path, not a deletion.
 */
export function destructiveProblems(
  patch: ParsedPatch,
  oldContents: Record<string, string>,
  existingPaths?: readonly string[],
): string[] {
  const reasons: string[] = [];
  for (const change of patch.files) {
    for (const path of new Set([change.oldPath, change.newPath])) {
      if (path !== null && isTalosSecret(path)) {
        reasons.push(
          `${path} holds Talos secrets; changing or regenerating them gives the cluster a new PKI and locks ` +
            "you out of the running nodes, so only a human may touch it",
        );
      }
    }
  }
  const before = new Map<string, ManifestObject>();
  const after = new Map<string, ManifestObject>();
  for (const change of patch.files) {
    const oldText = change.oldPath === null ? undefined : oldContents[change.oldPath];
    if (change.kind === "create" || change.oldPath === null || oldText === undefined) {
      addObjects(after, change.newPath, newTextOf(change, ""));
      continue;
    }
    const newText = change.kind === "delete" ? "" : newTextOf(change, oldText);
    if (newText === undefined) {
      continue; // the hunks do not fit; git apply --check refuses it with git's own reason
    }
    addObjects(before, change.oldPath, oldText);
    addObjects(after, change.newPath, newText);
    if (change.kind === "copy") {
      addObjects(after, change.oldPath, oldText);
    }
    reasons.push(...removedResources(change, oldText, newText));
  }
  for (const [key, object] of before) {
    const kept = after.get(key);
    if (!kept) {
      reasons.push(
        `the patch removes the ${object.what} "${object.name}" from Git; under Flux prune: true that deletes ` +
          "the live object (and everything it owns), so a human must do it",
      );
    } else if (
      object.path !== undefined &&
      kept.path !== object.path &&
      (existingPaths === undefined || existingPaths.includes(repoPathOf(object.path)))
    ) {
      reasons.push(
        `the patch changes spec.path of the Flux Kustomization "${object.name}" from ${object.path} to ` +
          `${kept.path ?? "nothing"}; under prune: true Flux deletes every object the old path produced`,
      );
    }
  }
  return reasons;
}

function newTextOf(change: FileChange, oldText: string): string | undefined {
  if (change.kind === "delete") {
    return "";
  }
  return change.hunks.length === 0 ? oldText : applyHunks(oldText, change.hunks);
}

function addObjects(into: Map<string, ManifestObject>, path: string | null, text: string | undefined): void {
  if (path === null || text === undefined || !isYaml(path)) {
    return;
  }
  for (const document of yamlDocuments(text)) {
    const kind = stringAt(document, ["kind"]);
    const apiVersion = stringAt(document, ["apiVersion"]) ?? "";
    const watched = PRUNED_KINDS.find(
      (candidate) =>
        candidate.kind === kind && (!candidate.group || apiVersion.startsWith(`${candidate.group}/`)),
    );
    if (!watched || !kind) {
      continue;
    }
    const name = stringAt(document, ["metadata", "name"]) ?? "(unnamed)";
    const namespace = stringAt(document, ["metadata", "namespace"]) ?? "";
    const group = apiVersion.split("/")[0] ?? "";
    const isFluxKustomization = kind === "Kustomization";
    into.set(`${group}|${kind}|${namespace}|${name}`, {
      what: watched.what,
      name: namespace ? `${namespace}/${name}` : name,
      path: isFluxKustomization ? (stringAt(document, ["spec", "path"]) ?? "") : undefined,
    });
  }
}

/** Entries removed from a kustomize `resources:` list: Flux would prune what they produced. */
function removedResources(change: FileChange, oldText: string, newText: string): string[] {
  if (change.oldPath === null || !isKustomizeFile(change.oldPath)) {
    return [];
  }
  const listed = (text: string) =>
    new Set(yamlDocuments(text).flatMap((document) => stringsAt(document, ["resources"])));
  const kept =
    change.newPath !== null && isKustomizeFile(change.newPath) ? listed(newText) : new Set<string>();
  return [...listed(oldText)]
    .filter((entry) => !kept.has(entry))
    .map(
      (entry) =>
        `the patch removes "${entry}" from the resources of ${change.oldPath}; under Flux prune: true that ` +
        "deletes the live objects it produced, so a human must do it",
    );
}

function yamlDocuments(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((document) =>
      "errors" in document && document.errors.length === 0
        ? [document.toJS({ maxAliasCount: 100 }) as unknown]
        : [],
    );
  } catch {
    return [];
  }
}

function valueAt(document: unknown, path: string[]): unknown {
  let value = document;
  for (const key of path) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function stringAt(document: unknown, path: string[]): string | undefined {
  const value = valueAt(document, path);
  return typeof value === "string" ? value : undefined;
}

function stringsAt(document: unknown, path: string[]): string[] {
  const value = valueAt(document, path);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

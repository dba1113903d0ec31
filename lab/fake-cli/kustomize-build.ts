import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { parse, parseAllDocuments } from "yaml";

/**
 * `kustomize build` of one Flux Kustomization's `spec.path` inside the synced artifact, as
 * kustomize-controller does it. Messages are the controller's, with its temporary folder named
 * `ARTIFACT_ROOT` (the real one is random: `MkdirTempAbs("", "kustomization-")`,
 * fluxcd/kustomize-controller@v1.9.4 internal/controller/kustomization_controller.go:338):
 * - a missing path: `kustomization path not found: stat <dir>: no such file or directory`
 *   (kustomization_controller.go:377-381);
 * - a folder with a kustomization file builds its `resources:` (and sets `namespace:`); without
 *   one, kustomize-controller generates one listing every YAML file and every sub-folder that has
 *   a kustomization file, not descending into those (fluxcd/pkg@kustomize/v1.35.4
 *   kustomize/kustomize_generator.go:525-570, scanManifests 575-632);
 * - a YAML file the generator cannot decode: `failed to decode Kubernetes YAML from <file>: …`
 *   (kustomize_generator.go:624-626); one listed in a kustomization file:
 *   `kustomize build failed: accumulating resources: accumulating resources from '<res>':
 *   MalformedYAMLError: … in File: <res>` (kustomization_controller.go:789-791 and kustomize's
 *   api/internal/target/kusttarget.go accumulateResources).
 * The YAML parser is the `yaml` package's, so the reason after `yaml: line N:` is its wording.
 */
export const ARTIFACT_ROOT = "/tmp/kustomization-1043787142";

export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export type BuildResult = { readonly objects: Manifest[] } | { readonly error: string };

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

class BuildError extends Error {}

/** Builds `path` (as `spec.path` says it, e.g. `./kubernetes/apps`) under the artifact at `root`. */
export function buildKustomization(root: string, path: string): BuildResult {
  const clean = posix.normalize(path.replace(/^\.?\/*/, "")).replace(/\/$/, "");
  const dir = clean === "." || clean === "" ? root : join(root, clean);
  if (!existsSync(dir)) {
    return {
      error: `kustomization path not found: stat ${shown(root, dir)}: no such file or directory`,
    };
  }
  try {
    return { objects: buildDir(root, dir, true) };
  } catch (error) {
    if (error instanceof BuildError) {
      return { error: error.message };
    }
    throw error;
  }
}

function shown(root: string, path: string): string {
  const inside = relative(root, path);
  return inside === "" ? ARTIFACT_ROOT : `${ARTIFACT_ROOT}/${inside}`;
}

function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_FILES.map((name) => join(dir, name)).find(
    (file) => existsSync(file) && !statSync(file).isDirectory(),
  );
}

function buildDir(root: string, dir: string, top: boolean): Manifest[] {
  const file = kustomizationFile(dir);
  if (file === undefined) {
    if (!top) {
      throw new BuildError(
        `kustomize build failed: accumulating resources: accumulation err='accumulating resources from '${relative(root, dir)}': read ${shown(root, dir)}: is a directory': must build at directory: '${shown(root, dir)}': unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '${shown(root, dir)}'`,
      );
    }
    return generated(dir).flatMap((entry) =>
      statSync(entry).isDirectory() ? buildDir(root, entry, false) : readManifests(root, entry, "generated"),
    );
  }
  let kustomization: { resources?: unknown; namespace?: unknown };
  try {
    kustomization = (parse(readFileSync(file, "utf8")) ?? {}) as typeof kustomization;
  } catch (error) {
    throw new BuildError(`kustomize build failed: invalid Kustomization: ${goYamlError(error)}`);
  }
  const resources = Array.isArray(kustomization.resources) ? kustomization.resources.map(String) : [];
  const objects = resources.flatMap((resource) => {
    const target = join(dir, resource);
    if (!existsSync(target)) {
      throw new BuildError(
        `kustomize build failed: accumulating resources: accumulation err='accumulating resources from '${resource}': open ${shown(root, target)}: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '${shown(root, target)}' : lstat ${shown(root, target)}: no such file or directory`,
      );
    }
    return statSync(target).isDirectory()
      ? buildDir(root, target, false)
      : readManifests(root, target, resource);
  });
  const namespace = typeof kustomization.namespace === "string" ? kustomization.namespace : undefined;
  return namespace === undefined ? objects : objects.map((object) => withNamespace(object, namespace));
}

/** kustomize's `namespace:` sets it on namespaced objects (cluster-scoped ones keep none). */
export function withNamespace(object: Manifest, namespace: string): Manifest {
  return CLUSTER_SCOPED.has(object.kind)
    ? object
    : { ...object, metadata: { ...object.metadata, namespace } };
}

export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterIssuer",
  "IngressClass",
  "StorageClass",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "PriorityClass",
]);

/** The generator's resource list: sub-folders with a kustomization file, and YAML files. */
function generated(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) {
        if (kustomizationFile(path) !== undefined) {
          found.push(path);
        } else {
          walk(path);
        }
      } else if (/\.ya?ml$/.test(name)) {
        found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

/** The objects in one YAML file; `listedAs` "generated" picks the generator's decode message. */
function readManifests(root: string, file: string, listedAs: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  const objects: Manifest[] = [];
  for (const document of documents) {
    const broken = document.errors[0];
    if (broken !== undefined) {
      const reason = `MalformedYAMLError: ${goYamlError(broken)}`;
      throw new BuildError(
        listedAs === "generated"
          ? `failed to decode Kubernetes YAML from ${shown(root, file)}: ${reason}`
          : `kustomize build failed: accumulating resources: accumulating resources from '${listedAs}': ${reason} in File: ${listedAs}`,
      );
    }
    const object = document.toJS() as Partial<Manifest> | null;
    if (object === null || typeof object !== "object") {
      continue;
    }
    if (!object.kind || !object.apiVersion || !object.metadata?.name) {
      // kustomization_controller.go:794-798
      throw new BuildError(
        `failed to decode Kubernetes apiVersion, kind and name from: ${JSON.stringify(object)}`,
      );
    }
    objects.push(object as Manifest);
  }
  return objects;
}

/** A parse error in go-yaml's frame, `yaml: line N: <reason>`. */
function goYamlError(error: unknown): string {
  const parsed = error as { linePos?: { line: number }[]; message?: string };
  const line = parsed.linePos?.[0]?.line ?? 1;
  const reason = (parsed.message ?? String(error))
    .split("\n")[0]
    ?.replace(/ at line \d+, column \d+:?$/, "")
    .replace(/^./, (first) => first.toLowerCase());
  return `yaml: line ${line}: ${reason}`;
}

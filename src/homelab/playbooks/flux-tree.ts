import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import { isMap, isScalar, type Node, parseAllDocuments, Scalar } from "yaml";
import type { PlaybookEvidence, PlaybookOutcome, RunnablePlaybook } from "./types.ts";

/**
 * The repo's Flux tree as the Flux-tree playbooks read it: every YAML file (the manifests Flux
 * applies, cluster-template's kubernetes/ layout or any other), the folders that exist, and which
 * files the failing stage may change. The playbooks decide from this snapshot alone (no cluster
 * access): each fault they fix has its one right answer written in the repo.
 */
export interface FluxTree {
  /** Repo-relative path → text, for every *.yaml / *.yml file. */
  readonly files: ReadonlyMap<string, string>;
  /** Every repo-relative folder that holds a file (and its parents). */
  readonly folders: ReadonlySet<string>;
  /** The failing stage's files; empty when the stage names none (the patch guard still checks). */
  readonly stageFiles: readonly string[];
}

/** One YAML document of the tree that names a kind (kustomize's kustomization.yaml has no name: ""). */
export interface TreeManifest {
  readonly file: string;
  /** Index of the document in its file (`---`-separated). */
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** metadata.namespace as written, if any (kustomize or Flux may set it later). */
  readonly namespace: string | undefined;
  /** The document as plain data. */
  readonly body: Record<string, unknown>;
}

const SKIPPED_FOLDERS = new Set([".git", "node_modules", "ai"]);

/** Where to read and how much, for a reader on a deadline (the case file's facts). */
export interface FluxTreeScope {
  /** Repo-relative folder to read below (default: the whole worktree); absent means empty. */
  readonly under?: string;
  /** At most this many files, the first in path order. */
  readonly maxFiles?: number;
  /** Files larger than this are left out. */
  readonly maxFileBytes?: number;
}

/**
 * Reads every YAML file of the worktree (but .git, node_modules, ai/), in path order, or those
 * below `scope.under` within its bounds.
 */
export async function loadFluxTree(
  worktree: string,
  stageFiles: readonly string[],
  scope: FluxTreeScope = {},
): Promise<FluxTree> {
  const files = new Map<string, string>();
  const folders = new Set<string>();
  const maxFiles = scope.maxFiles ?? Number.POSITIVE_INFINITY;
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(worktree, folder), { withFileTypes: true });
    } catch (error) {
      if (folder === scope.under && (error as NodeJS.ErrnoException).code === "ENOENT") {
        return;
      }
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (files.size >= maxFiles) {
        return;
      }
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
        folders.add(path);
        await walk(path);
      } else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
        const full = join(worktree, path);
        if (scope.maxFileBytes === undefined || (await stat(full)).size <= scope.maxFileBytes) {
          files.set(path, await readFile(full, "utf8"));
        }
      }
    }
  };
  await walk(scope.under ?? "");
  return { files, folders, stageFiles };
}

/** The value at `path` in a parsed document, or undefined. */
export const valueIn = (body: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>(
    (at, key) => (at !== null && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined),
    body,
  );

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** Every document of the tree with an apiVersion and a kind; broken YAML is skipped. */
export function manifestsOf(tree: FluxTree): TreeManifest[] {
  const found: TreeManifest[] = [];
  for (const [file, text] of tree.files) {
    parseAllDocuments(text).forEach((doc, index) => {
      if (doc.errors.length > 0) {
        return;
      }
      const body = record(doc.toJS());
      const metadata = record(body["metadata"]);
      if (typeof body["apiVersion"] === "string" && typeof body["kind"] === "string") {
        found.push({
          file,
          index,
          apiVersion: body["apiVersion"],
          kind: body["kind"],
          name: typeof metadata["name"] === "string" ? metadata["name"] : "",
          namespace: typeof metadata["namespace"] === "string" ? metadata["namespace"] : undefined,
          body,
        });
      }
    });
  }
  return found;
}

/** A Flux Kustomization (kustomize.toolkit.fluxcd.io), not kustomize's own kustomization.yaml. */
export const isFluxKustomization = (manifest: TreeManifest) =>
  manifest.kind === "Kustomization" && manifest.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/");

/** `spec.path` as a repo-relative folder: `./a/b/` and `a/b` are both `a/b`; the root is "". */
export function artifactFolder(path: string): string {
  const clean = posix.normalize(path.replace(/^[./]*\/+/, "").replace(/^\.$/, "")).replace(/\/+$/, "");
  return clean === "." ? "" : clean;
}

/** Why the stage may not change `file`, or undefined when it may. */
export function outsideStage(tree: FluxTree, file: string): string | undefined {
  return tree.stageFiles.length === 0 || tree.stageFiles.includes(file)
    ? undefined
    : `${file} is not among the failing stage's files, so the patch guard would refuse the change`;
}

/**
 * Replaces one scalar of document `index` in a multi-document file, character for character (the
 * rest of the file, comments and quoting style included, stays as it was). Undefined when the
 * value is not a scalar there or the edit would not read back as `value`.
 */
export function replaceScalar(
  text: string,
  index: number,
  path: readonly (string | number)[],
  value: string | number | boolean,
): string | undefined {
  const node = parseAllDocuments(text)[index]?.getIn(path, true);
  if (!isScalar(node) || node.range === undefined || node.range === null) {
    return undefined;
  }
  const [start, end] = node.range;
  const edited = `${text.slice(0, start)}${scalarText(value, node.type)}${text.slice(end)}`;
  return parseAllDocuments(edited)[index]?.getIn(path) === value ? edited : undefined;
}

function scalarText(value: string | number | boolean, style: Scalar.Type | undefined): string {
  if (typeof value !== "string") {
    return String(value);
  }
  if (style === Scalar.QUOTE_SINGLE) {
    return `'${value.replaceAll("'", "''")}'`;
  }
  const plain = style !== Scalar.QUOTE_DOUBLE && /^[A-Za-z0-9_./@-][A-Za-z0-9_./:@-]*$/.test(value);
  return plain ? value : JSON.stringify(value);
}

/**
 * Removes the key at `path` of document `index`, and its parents that it would leave empty (down
 * to `keep` path elements), so the chart's own default applies. Undefined unless the result reads
 * back as the same document without that key.
 */
export function removeKey(
  text: string,
  index: number,
  path: readonly (string | number)[],
  keep: number,
): string | undefined {
  const doc = parseAllDocuments(text)[index];
  if (doc === undefined) {
    return undefined;
  }
  let depth = path.length;
  while (depth - 1 > keep) {
    const parent = doc.getIn(path.slice(0, depth - 1), true);
    if (!isMap(parent) || parent.items.length !== 1) {
      break;
    }
    depth--;
  }
  const target = path.slice(0, depth);
  const parent = doc.getIn(target.slice(0, -1), true);
  const pair = isMap(parent)
    ? parent.items.find((item) => isScalar(item.key) && item.key.value === target.at(-1))
    : undefined;
  const keyRange = (pair?.key as Node | undefined)?.range;
  const valueRange = (pair?.value as Node | null | undefined)?.range;
  if (!keyRange || !valueRange) {
    return undefined;
  }
  const from = text.lastIndexOf("\n", keyRange[0] - 1) + 1;
  const lineEnd = text.indexOf("\n", Math.max(valueRange[1] - 1, keyRange[0]));
  const to = lineEnd < 0 ? text.length : lineEnd + 1;
  const edited = `${text.slice(0, from)}${text.slice(to)}`;
  const expected = parseAllDocuments(text)[index];
  expected?.deleteIn(target);
  const after = parseAllDocuments(edited);
  const same = JSON.stringify(after[index]?.toJS()) === JSON.stringify(expected?.toJS());
  return same && after.length === parseAllDocuments(text).length ? edited : undefined;
}

/** A playbook that reads the repo's Flux tree and edits one of its files (no fact store). */
export interface TreePlaybook<Match> {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): Match | undefined;
  change(tree: FluxTree, match: Match): PlaybookOutcome;
}

/** A registered Flux-tree playbook: `runPlaybooks` hands it the worktree, not a fact store. */
export interface RunnableTreePlaybook extends RunnablePlaybook {
  attemptOnTree(tree: FluxTree, evidence: PlaybookEvidence): PlaybookOutcome;
}

export function isTreePlaybook(playbook: RunnablePlaybook): playbook is RunnableTreePlaybook {
  return "attemptOnTree" in playbook;
}

export function defineTreePlaybook<Match>(playbook: TreePlaybook<Match>): RunnableTreePlaybook {
  return {
    id: playbook.id,
    description: playbook.description,
    matches: (evidence) => playbook.matches(evidence) !== undefined,
    attempt: async () => ({
      kind: "no_change",
      reason: `${playbook.id} works on the repo's Flux tree, not on a fact store`,
    }),
    attemptOnTree(tree, evidence) {
      const match = playbook.matches(evidence);
      return match === undefined
        ? { kind: "no_change", reason: `${playbook.id} does not match this failure` }
        : playbook.change(tree, match);
    },
  };
}

/** Every match of a global `pattern` in the error lines and the log tail. */
export function allMatches(evidence: PlaybookEvidence, pattern: RegExp): RegExpMatchArray[] {
  return [...evidence.lines, evidence.logTail].flatMap((text) => [...text.matchAll(pattern)]);
}

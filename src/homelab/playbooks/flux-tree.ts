import { readdir, readFile } from "node:fs/promises";
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

/** Reads every YAML file of the worktree (but .git, node_modules, ai/). */
export async function loadFluxTree(worktree: string, stageFiles: readonly string[]): Promise<FluxTree> {
  const files = new Map<string, string>();
  const folders = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(join(worktree, folder), { withFileTypes: true })) {
      const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
        folders.add(path);
        await walk(path);
      } else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) {
        files.set(path, await readFile(join(worktree, path), "utf8"));
      }
    }
  };
  await walk("");
  return { files, folders, stageFiles };
}

/** A tree from texts (tests, and callers that already hold the files). */
export function fluxTreeOf(
  texts: Readonly<Record<string, string>>,
  stageFiles: readonly string[] = [],
): FluxTree {
  const folders = new Set<string>();
  for (const path of Object.keys(texts)) {
    for (let dir = posix.dirname(path); dir !== "." && !folders.has(dir); dir = posix.dirname(dir)) {
      folders.add(dir);
    }
  }
  return { files: new Map(Object.entries(texts)), folders, stageFiles };
}

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

/** Damerau-Levenshtein distance (optimal string alignment): a swapped pair of letters counts one. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = rows[i];
      if (row) {
        row[j] = best;
      }
    }
  }
  return at(a.length, b.length);
}

const tokens = (name: string) =>
  name
    .toLowerCase()
    .split(/[-_.]+/)
    .filter(Boolean);

/**
 * Whether `candidate` is plainly the name `wanted` was meant to be: a typo (one or two letters
 * wrong or swapped), an abbreviation token by token (`letsencrypt-prod` for
 * `letsencrypt-production`), or a name with a word added or left out (`echo-server` for `echo`).
 */
export function isCloseName(wanted: string, candidate: string): boolean {
  if (wanted === candidate) {
    return false;
  }
  const shorter = Math.min(wanted.length, candidate.length);
  if (editDistance(wanted.toLowerCase(), candidate.toLowerCase()) <= (shorter >= 8 ? 2 : 1)) {
    return true;
  }
  const [few, many] = [tokens(wanted), tokens(candidate)].sort((x, y) => x.length - y.length);
  if (!few || !many || few.length === 0 || few.join("").length < 3) {
    return false;
  }
  if (few.length === many.length) {
    const pairs = few.map((token, i) => [token, many[i] ?? ""] as const);
    return (
      pairs.some(([x, y]) => x === y) &&
      pairs.every(
        ([x, y]) => x === y || (Math.min(x.length, y.length) >= 3 && (x.startsWith(y) || y.startsWith(x))),
      )
    );
  }
  return many.some((_, start) => few.every((token, i) => many[start + i] === token));
}

/** The one close name among `candidates`, or a sentence saying why there is none. */
export function closestName(
  wanted: string,
  candidates: readonly string[],
): { name: string } | { why: string } {
  const close = [...new Set(candidates)].filter((candidate) => isCloseName(wanted, candidate));
  const [name, ...others] = close;
  if (name === undefined) {
    return { why: `none of ${[...new Set(candidates)].join(", ") || "nothing"} is close to ${wanted}` };
  }
  return others.length === 0
    ? { name }
    : { why: `several are close to ${wanted} (${close.join(", ")}); a human must choose` };
}

/** What a Flux-tree playbook's change says about the files it read. */
export type TreeOutcome = PlaybookOutcome & { readonly filesOpened?: readonly string[] };

/** A playbook that reads the repo's Flux tree and edits one of its files (no fact store). */
export interface TreePlaybook<Match> {
  id: string;
  description: string;
  matches(evidence: PlaybookEvidence): Match | undefined;
  change(tree: FluxTree, match: Match): TreeOutcome;
}

/** A registered Flux-tree playbook: `runPlaybooks` hands it the worktree, not a fact store. */
export interface RunnableTreePlaybook extends RunnablePlaybook {
  attemptOnTree(tree: FluxTree, evidence: PlaybookEvidence): TreeOutcome;
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

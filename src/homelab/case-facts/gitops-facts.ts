import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join, relative, sep } from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";
import { pathExists } from "../../adapters/state-store/atomic-file.ts";
import type { ClusterFile } from "../cluster-file/index.ts";
import { loadFluxTree, manifestsOf, valueIn } from "../playbooks/flux-tree.ts";
import { BOOTSTRAP_MANIFESTS_DIR, deployKeyPath } from "../stages/flux.ts";
import { GET_INGRESS_CLASSES, GET_INGRESSES, readIngresses } from "../stages/ingress-status.ts";
import type { clusterTools } from "./cluster-state-facts.ts";
import { type FactSheet, plain } from "./fact-sheet.ts";

/** File names that look like a private key: a deploy key, an ssh identity, a PEM file. */
const KEY_FILE = /^(?!.*\.pub$)(.*deploy.*|id_(rsa|ecdsa|ed25519)(_sk)?|.*\.key|.*\.pem)$/i;
const MAX_CANDIDATES = 10;
const MAX_MANIFESTS = 20;

/**
 * Where the deploy key the cluster file names really is: the path `flux bootstrap git
 * --private-key-file` gets (relative to the repo's folder, `~/` from the home folder, as the
 * infra stage resolves it), whether a file is there, and which key-like files exist where a key
 * is usually kept (that folder, the repo's folder, ~/.ssh). Names only: a key is never read.
 */
export async function deployKeyFacts(
  sheet: FactSheet,
  cluster: ClusterFile,
  repoRoot: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const configured = cluster.gitops?.flux.deployKeyFile;
  if (configured === undefined) {
    return;
  }
  const home = env["HOME"] ?? homedir();
  const resolved = deployKeyPath(configured, repoRoot, home);
  /** A path as a person finds it: relative to the repo's folder, from `~`, or absolute. */
  const shown = (path: string) => {
    const inRepo = relative(repoRoot, path);
    if (inRepo === "") {
      return "the repo's folder";
    }
    if (!inRepo.startsWith("..") && !inRepo.startsWith(sep)) {
      return `${plain(inRepo)} (in the repo's folder)`;
    }
    const inHome = relative(home, path);
    return plain(inHome.startsWith("..") ? path : `~/${inHome}`);
  };
  const lines = [
    `gitops.flux.deployKeyFile ${plain(configured)} resolves to ${shown(resolved)}: ${(await pathExists(resolved)) ? "the file is there" : "no such file"}`,
  ];
  const folders = [...new Set([dirname(resolved), repoRoot, join(home, ".ssh")])];
  const candidates: string[] = [];
  for (const folder of folders) {
    const names = await sheet.attempt(`listing ${shown(folder)}`, () => namesIn(folder));
    for (const name of names ?? []) {
      const path = join(folder, name);
      if (KEY_FILE.test(name) && path !== resolved && candidates.length < MAX_CANDIDATES) {
        candidates.push(shown(path));
      }
    }
  }
  lines.push(
    candidates.length === 0
      ? "other key-like files: none in the key's folder, the repo's folder or ~/.ssh"
      : `other key-like files that exist: ${candidates.join(", ")}`,
  );
  sheet.add({ title: "The deploy key", source: "the file system (names only)", kind: "observed", lines });
}

/** A folder's entries; a folder that does not exist has none. */
async function namesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return [];
    }
    throw error;
  }
}

/**
 * The CNI manifests the infra stage applies (kubernetes/bootstrap/), as the AI branch has them:
 * each file's documents by kind and name, or where its YAML breaks, so a manifest that
 * `kubectl apply` only half takes shows why.
 */
export async function manifestFacts(sheet: FactSheet, homelabDir: string): Promise<void> {
  const folder = join(homelabDir, BOOTSTRAP_MANIFESTS_DIR);
  const names = (await sheet.attempt(`listing ${BOOTSTRAP_MANIFESTS_DIR}/`, () => namesIn(folder))) ?? [];
  const manifests = names.filter((name) => /\.ya?ml$/.test(name)).slice(0, MAX_MANIFESTS);
  const lines = await Promise.all(
    manifests.map(async (name) => {
      const text = await readFile(join(folder, name), "utf8");
      return `${plain(basename(name))}: ${describeManifest(text)}`;
    }),
  );
  sheet.add({
    title: `CNI manifests in ${BOOTSTRAP_MANIFESTS_DIR}/`,
    source: "the AI branch's files, parsed as YAML",
    kind: "observed",
    lines: lines.length === 0 ? ["none"] : lines,
  });
}

function describeManifest(text: string): string {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  const parts = list.map((document, index) => {
    const [error] = document.errors;
    if (error) {
      const at = lineCounter.linePos(error.pos[0]);
      return `document ${index + 1}: YAML error at line ${at.line} column ${at.col} (${plain(error.code)})`;
    }
    const value = document.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return value === null
      ? `document ${index + 1}: empty`
      : `${plain(value.kind)} ${plain(value.metadata?.name)}`;
  });
  return parts.length === 0 ? "no documents" : parts.join(", ");
}

/**
 * The Ingresses Flux applied that have no address, each with the class it names and whether that
 * IngressClass exists, and the IngressClasses that do exist: what the ingress stage's
 * `ingresses-have-address` check compares (src/homelab/stages/ingress-status.ts), so a model sees
 * which name to change without a diagnostic call. Names only, shape-checked.
 */
export async function ingressFacts(
  sheet: FactSheet,
  { kubectl }: NonNullable<Awaited<ReturnType<typeof clusterTools>>>,
  tree: { readonly homelabDir: string; readonly cluster: ClusterFile },
): Promise<void> {
  const source = `kubectl ${GET_INGRESSES.join(" ")}; kubectl ${GET_INGRESS_CLASSES.join(" ")}`;
  const report = await sheet.attempt(source, () => readIngresses(kubectl));
  if (report === undefined) {
    return;
  }
  const unaddressed = report.ingresses.filter((ingress) => ingress.addresses.length === 0);
  const classOf = (name: string | undefined) =>
    name === undefined
      ? "no ingressClassName"
      : `class ${plain(name)} (${report.classes.includes(name) ? "exists" : "no such IngressClass"})`;
  sheet.add({
    title: "Ingresses without an address",
    source,
    kind: "observed",
    lines: [
      ...(report.ingresses.length === 0
        ? ["no Ingresses at all yet"]
        : unaddressed.length === 0
          ? [`none: all ${report.ingresses.length} have an address`]
          : unaddressed.map(
              (ingress) =>
                `${plain(ingress.namespace)}/${plain(ingress.name)}: ${classOf(ingress.className)}, no address`,
            )),
      report.classes.length === 0
        ? "IngressClasses that exist: none"
        : `IngressClasses that exist: ${report.classes.map(plain).join(", ")}`,
    ],
  });
  if (unaddressed.length > 0) {
    await declarationFacts(sheet, tree.homelabDir, gitopsRoot(tree.cluster));
  }
}

/** The folder the Flux tree lives in: the first segment of `gitops.flux.path` (cluster-template: kubernetes). */
function gitopsRoot(cluster: ClusterFile): string {
  return (cluster.gitops?.flux.path ?? "kubernetes").replace(/^\.\//, "").split("/")[0] || "kubernetes";
}

const MAX_TREE_FILES = 2000;
const MAX_TREE_FILE_BYTES = 512 * 1024;

/**
 * Which files under the Flux tree declare the Ingresses and IngressClasses (the AI branch's
 * files, parsed as YAML), so the file to change is named: an Ingress's namespace often comes from
 * its Kustomization's targetNamespace, so Ingresses are matched by name.
 */
async function declarationFacts(sheet: FactSheet, homelabDir: string, root: string): Promise<void> {
  const tree = await sheet.attempt(`listing ${root}/`, () =>
    loadFluxTree(homelabDir, [], {
      under: root,
      maxFiles: MAX_TREE_FILES,
      maxFileBytes: MAX_TREE_FILE_BYTES,
    }),
  );
  if (tree === undefined) {
    return;
  }
  const lines: string[] = [];
  for (const manifest of manifestsOf(tree)) {
    const where = plain(manifest.file);
    if (manifest.kind === "IngressClass") {
      lines.push(`IngressClass ${plain(manifest.name)}: ${where}`);
    } else if (manifest.kind === "Ingress") {
      const className = valueIn(manifest.body, ["spec", "ingressClassName"]);
      const names = className === undefined ? "no ingressClassName" : `ingressClassName ${plain(className)}`;
      lines.push(`Ingress ${plain(manifest.name)} (${names}): ${where}`);
    }
  }
  sheet.add({
    title: `Where ${root}/ declares Ingresses and IngressClasses`,
    source: "the AI branch's files, parsed as YAML",
    kind: "observed",
    lines: lines.length === 0 ? ["none"] : lines,
  });
}

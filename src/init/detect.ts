import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { AI_DIR, RUNTIME_DIRS } from "../core/repo-layout/index.ts";
import { type RepoTask, readRepoTasks } from "./task-files.ts";

/**
 * What a homelab repo already uses, read from its files so `init` can write stages that call that
 * tooling instead of the built-in pack. Every path is relative to the repo root, `/`-separated.
 */
export interface RepoFacts {
  /** Every file found (tracked or not, ignored or not), for glob checks. */
  files: string[];
  talhelper?: TalhelperFacts;
  terraform?: TerraformFacts;
  packerDirs: string[];
  /** The tasks of its justfile, Taskfile or mise config, with what each runs. */
  tasks: RepoTask[];
  gitops?: { tool: "flux" | "argocd"; evidence: string; operator: boolean };
  /** onedr0p/cluster-template's layout: a justfile with `configure`, makejinja.toml and template/. */
  clusterTemplate: boolean;
  /** An existing Talos secrets bundle (talosctl gen secrets' secrets.yaml) outside talhelper. */
  talosSecrets?: string;
}

export interface TalhelperFacts {
  dir: string;
  config: string;
  env?: string;
  secret?: string;
  clusterName?: string;
  talosVersion?: string;
  endpoint?: string;
  nodes: { hostname: string; ip?: string; controlPlane: boolean }[];
}

export interface TerraformFacts {
  dir: string;
  /** tofu when the repo says OpenTofu (a .tofu file, registry.opentofu.org in the lock file, mise/asdf pin). */
  binary: "terraform" | "tofu";
  provider?: "bpg/proxmox" | "telmate/proxmox";
  providerVersion?: string;
  localState: boolean;
  tfvars: string[];
}

const ALWAYS_SKIPPED = new Set([".git", "node_modules", ".terraform", ".venv"]);
/** The tool's own runtime folders under ai/ (src/core/repo-layout RUNTIME_DIRS). */
const AI_RUNTIME = new Set(RUNTIME_DIRS.map((dir) => dir.slice(AI_DIR.length + 1)));
const MAX_DEPTH = 5;
const MAX_FILES = 20_000;

/** Every file below `root` (skipping .git, .terraform, node_modules and the tool's runtime folders). */
export async function listRepoFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, prefix: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || found.length >= MAX_FILES) {
      return;
    }
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        const skip = ALWAYS_SKIPPED.has(entry.name) || (prefix === "ai" && AI_RUNTIME.has(entry.name));
        if (!skip) {
          await walk(join(folder, entry.name), path, depth + 1);
        }
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        found.push(path);
      }
    }
  };
  await walk(root, "", 0);
  return found;
}

const base = (path: string) => path.slice(path.lastIndexOf("/") + 1);
const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");
const inDir = (dir: string, name: string) => (dir === "." ? name : `${dir}/${name}`);

async function readText(root: string, path: string): Promise<string> {
  return readFile(join(root, path), "utf8");
}

/** Reads the repo at `root` and says what it already uses. */
export async function detectRepo(root: string): Promise<RepoFacts> {
  const files = await listRepoFiles(root);
  const facts: RepoFacts = { files, packerDirs: [], tasks: [], clusterTemplate: false };
  const has = (path: string) => files.includes(path);

  const talconfig = files.find((path) => base(path) === "talconfig.yaml");
  if (talconfig) {
    facts.talhelper = await readTalhelper(root, files, talconfig);
  }
  const terraform = await readTerraform(root, files);
  if (terraform) {
    facts.terraform = terraform;
  }
  facts.packerDirs = [...new Set(files.filter((path) => path.endsWith(".pkr.hcl")).map(dirOf))];
  facts.tasks = await readRepoTasks(root, files);
  const gitops = await readGitops(root, files);
  if (gitops) {
    facts.gitops = gitops;
  }
  facts.clusterTemplate =
    has("makejinja.toml") &&
    (has("justfile") || has("Taskfile.yaml")) &&
    files.some((p) => p.startsWith("template"));
  const secrets = files.find((path) => base(path) === "secrets.yaml" && !path.startsWith("ai/"));
  if (secrets && !facts.talhelper && (await readText(root, secrets)).includes("secrets:")) {
    facts.talosSecrets = secrets;
  }
  return facts;
}

async function readTalhelper(root: string, files: string[], config: string): Promise<TalhelperFacts> {
  const dir = dirOf(config);
  const facts: TalhelperFacts = { dir, config, nodes: [] };
  const env = ["talenv.yaml", "talenv.sops.yaml"]
    .map((name) => inDir(dir, name))
    .find((p) => files.includes(p));
  const secret = ["talsecret.yaml", "talsecret.sops.yaml"]
    .map((name) => inDir(dir, name))
    .find((p) => files.includes(p));
  if (env) {
    facts.env = env;
  }
  if (secret) {
    facts.secret = secret;
  }
  // talconfig.yaml's fields: github.com/budimanjojo/talhelper docs/reference/configuration.md
  // (clusterName, talosVersion, endpoint, nodes[].hostname/ipAddress/controlPlane).
  let parsed: unknown;
  try {
    parsed = parseYaml(await readText(root, config));
  } catch {
    return facts; // a talconfig with ${VAR} or sops blocks still names the tool; its facts stay unknown
  }
  if (parsed && typeof parsed === "object") {
    const doc = parsed as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    const clusterName = text(doc["clusterName"]);
    const talosVersion = text(doc["talosVersion"]);
    const endpoint = text(doc["endpoint"]);
    if (clusterName) {
      facts.clusterName = clusterName;
    }
    if (talosVersion) {
      facts.talosVersion = talosVersion;
    }
    if (endpoint) {
      facts.endpoint = endpoint;
    }
    if (Array.isArray(doc["nodes"])) {
      for (const node of doc["nodes"] as Record<string, unknown>[]) {
        const hostname = text(node?.["hostname"]);
        if (hostname) {
          const ip = text(node["ipAddress"]);
          facts.nodes.push({ hostname, ...(ip ? { ip } : {}), controlPlane: node["controlPlane"] === true });
        }
      }
    }
  }
  return facts;
}

const BPG = /source\s*=\s*"(?:registry\.(?:terraform|opentofu)\.(?:io|org)\/)?bpg\/proxmox"/;
const TELMATE = /source\s*=\s*"(?:registry\.(?:terraform|opentofu)\.(?:io|org)\/)?telmate\/proxmox"/i;

async function readTerraform(root: string, files: string[]): Promise<TerraformFacts | undefined> {
  const configs = files.filter((path) => path.endsWith(".tf") || path.endsWith(".tofu"));
  if (configs.length === 0) {
    return undefined;
  }
  // The root module: the folder whose files declare required_providers (else the first folder).
  let dir = dirOf(configs[0] as string);
  let provider: TerraformFacts["provider"];
  let providerVersion: string | undefined;
  for (const path of configs) {
    const text = await readText(root, path);
    const match = BPG.test(text) ? "bpg/proxmox" : TELMATE.test(text) ? "telmate/proxmox" : undefined;
    if (match && provider === undefined) {
      provider = match;
      dir = dirOf(path);
      const block = text.slice(text.search(match === "bpg/proxmox" ? BPG : TELMATE));
      providerVersion = /version\s*=\s*"([^"]+)"/.exec(block)?.[1];
    }
  }
  const here = files.filter((path) => dirOf(path) === dir);
  const lock = here.find((path) => base(path) === ".terraform.lock.hcl");
  const lockText = lock ? await readText(root, lock) : "";
  const pins = await Promise.all(
    [".mise.toml", "mise.toml", ".mise/config.toml", ".tool-versions", ".opentofu-version"]
      .filter((path) => files.includes(path))
      .map((path) => readText(root, path)),
  );
  const tofu =
    configs.some((path) => path.endsWith(".tofu")) ||
    lockText.includes("registry.opentofu.org") ||
    pins.some((text) => /opentofu|\btofu\b/.test(text)) ||
    files.includes(".opentofu-version");
  return {
    dir,
    binary: tofu ? "tofu" : "terraform",
    ...(provider ? { provider } : {}),
    ...(providerVersion ? { providerVersion } : {}),
    localState: here.some((path) => base(path) === "terraform.tfstate"),
    tfvars: here.filter((path) => path.endsWith(".tfvars")),
  };
}

async function readGitops(root: string, files: string[]): Promise<RepoFacts["gitops"]> {
  const manifests = files.filter(
    (path) =>
      (path.endsWith(".yaml") || path.endsWith(".yml") || path.endsWith(".j2")) && !path.startsWith("ai/"),
  );
  let argo: string | undefined;
  for (const path of manifests.slice(0, 2000)) {
    const text = await readText(root, path);
    if (/kind:\s*FluxInstance\b/.test(text) || /name:\s*flux-operator\b/.test(text)) {
      return { tool: "flux", evidence: path, operator: true };
    }
    if (/apiVersion:\s*(?:kustomize|source)\.toolkit\.fluxcd\.io\//.test(text)) {
      return { tool: "flux", evidence: path, operator: false };
    }
    if (argo === undefined && /apiVersion:\s*argoproj\.io\//.test(text)) {
      argo = path;
    }
  }
  return argo ? { tool: "argocd", evidence: argo, operator: false } : undefined;
}

import { lstat, readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { detectRepo } from "../../../init/detect.ts";
import { clusterFileStore } from "./cluster-file-store.ts";
import { talhelperStore } from "./talhelper-store.ts";
import { type ModuleFile, terraformStore } from "./terraform-store.ts";
import type { FactStore } from "./types.ts";

export const CLUSTER_FOLDER = "config/clusters";

const MODULE_FILE = /\.(tf|tofu)$|^terraform\.tfvars$|\.auto\.tfvars$/;

function isAbsent(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

async function namesIn(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if (isAbsent(error)) {
      return [];
    }
    throw error;
  }
}

/**
 * The cluster files a failure may be about: those under config/clusters/, the one the log names
 * first when it names one.
 */
export async function clusterFilesFor(worktree: string, logTail: string): Promise<string[]> {
  const paths = (await namesIn(join(worktree, CLUSTER_FOLDER)))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => `${CLUSTER_FOLDER}/${name}`)
    .sort();
  return [
    ...paths.filter((path) => logTail.includes(path)),
    ...paths.filter((path) => !logTail.includes(path)),
  ];
}

const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");

async function moduleStore(worktree: string, dir: string): Promise<FactStore | undefined> {
  const files: ModuleFile[] = [];
  for (const name of (await namesIn(join(worktree, dir))).filter((entry) => MODULE_FILE.test(entry)).sort()) {
    const path = dir === "." ? name : posix.join(dir, name);
    const [text, stat] = await Promise.all([
      readFile(join(worktree, path), "utf8"),
      lstat(join(worktree, path)),
    ]);
    files.push({ path, text, linked: stat.isSymbolicLink() });
  }
  return files.some((file) => /\.(tf|tofu)$/.test(file.path)) ? terraformStore(dir, files) : undefined;
}

async function talhelperAt(worktree: string, config: string): Promise<FactStore> {
  const dir = dirOf(config);
  let env: { path: string; text: string; linked: boolean } | undefined;
  for (const name of ["talenv.yaml", "talenv.sops.yaml"]) {
    const envPath = dir === "." ? name : `${dir}/${name}`;
    try {
      const [text, stat] = await Promise.all([
        readFile(join(worktree, envPath), "utf8"),
        lstat(join(worktree, envPath)),
      ]);
      env = { path: envPath, text, linked: stat.isSymbolicLink() };
      break;
    } catch (error) {
      if (!isAbsent(error)) {
        throw error;
      }
    }
  }
  return talhelperStore({
    config: { path: config, text: await readFile(join(worktree, config), "utf8") },
    env,
  });
}

/**
 * Where this repo keeps its facts, read from the AI worktree: the cluster files, and the
 * Terraform/OpenTofu root modules and talhelper folders the failing stage's `files` name; when
 * the stage names none, what `init` would detect in the worktree.
 */
export async function loadFactStores(
  worktree: string,
  options: { stageFiles: readonly string[]; logTail: string },
): Promise<FactStore[]> {
  const stores: FactStore[] = [];
  for (const path of await clusterFilesFor(worktree, options.logTail)) {
    stores.push(clusterFileStore(path, await readFile(join(worktree, path), "utf8")));
  }
  let moduleDirs = [
    ...new Set(options.stageFiles.filter((path) => /\.(tf|tofu|tfvars)$/.test(path)).map(dirOf)),
  ];
  let talconfigs = options.stageFiles.filter((path) => posix.basename(path) === "talconfig.yaml");
  if (moduleDirs.length === 0 && talconfigs.length === 0 && stores.length === 0) {
    const detected = await detectRepo(worktree);
    moduleDirs = detected.terraform ? [detected.terraform.dir] : [];
    talconfigs = detected.talhelper ? [detected.talhelper.config] : [];
  }
  for (const dir of moduleDirs) {
    const store = await moduleStore(worktree, dir);
    if (store) {
      stores.push(store);
    }
  }
  for (const config of talconfigs) {
    stores.push(await talhelperAt(worktree, config));
  }
  return stores;
}

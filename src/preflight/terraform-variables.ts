import { readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { readHcl } from "../homelab/playbooks/fact-stores/hcl-lines.ts";
import { commandWords } from "./command-words.ts";

/**
 * Terraform and OpenTofu stop on a root-module variable that has no `default` and no value, and
 * with `-input=false` (how adopted stages run) they cannot ask for one. A value comes from, in
 * Terraform's order: `TF_VAR_<name>` in the environment, terraform.tfvars, terraform.tfvars.json,
 * *.auto.tfvars / *.auto.tfvars.json, then `-var` and `-var-file` on the command line
 * (developer.hashicorp.com/terraform/language/values/variables, "Assigning Values to Root Module
 * Variables" and "Variable Definition Precedence"; opentofu.org/docs/language/values/variables
 * says the same). This reads the module's `variable` blocks and those sources, before a run.
 */

const TERRAFORM = new Set(["terraform", "tofu"]);
/** The variable files Terraform loads without being told: terraform.tfvars(.json), *.auto.tfvars(.json). */
const AUTO_LOADED = /^terraform\.tfvars(\.json)?$|\.auto\.tfvars(\.json)?$/;

function isAbsent(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

async function namesIn(folder: string): Promise<string[] | undefined> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    if (isAbsent(error) || (error as NodeJS.ErrnoException).code === "ENOTDIR") {
      return undefined;
    }
    throw error;
  }
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isAbsent(error)) {
      return undefined;
    }
    throw error;
  }
}

/** Names a tfvars file (HCL or JSON) assigns; a file that cannot be read as JSON assigns none. */
function assignedIn(name: string, text: string): string[] {
  if (name.endsWith(".json")) {
    try {
      const parsed = JSON.parse(text) as unknown;
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? Object.keys(parsed) : [];
    } catch {
      return [];
    }
  }
  return readHcl(text)
    .assignments.filter((assignment) => assignment.depth === 0)
    .map((assignment) => assignment.name);
}

/**
 * The folder a command runs Terraform in (a `cd DIR` part before it, then `-chdir=DIR`, move it),
 * and the names its `-var` options set and the files its `-var-file` options name.
 */
function commandArguments(command: string, folder: string) {
  let dir = folder;
  let terraformDir: string | undefined;
  const varFiles: string[] = [];
  const vars: string[] = [];
  for (const part of command.split(/&&|\|\||[;|\n]/)) {
    // Quotes are kept together so `-var 'a=b'` reads as a=b.
    const words = part.trim().match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
    const unquote = (word: string) => word.replace(/^(['"])(.*)\1$/, "$2");
    if (words[0] === "cd" && words[1] !== undefined && terraformDir === undefined) {
      dir = posix.normalize(posix.join(dir, unquote(words[1])));
      continue;
    }
    const at = words.findIndex((word) => TERRAFORM.has(word));
    if (at < 0 || !commandWords(part).some((word) => word.kind === "program" && TERRAFORM.has(word.text))) {
      continue;
    }
    terraformDir ??= dir;
    for (let index = at + 1; index < words.length; index += 1) {
      const word = unquote(words[index] as string);
      const next = () => unquote(words[++index] ?? "");
      if (word.startsWith("-chdir=")) {
        terraformDir = posix.normalize(posix.join(dir, word.slice("-chdir=".length)));
      } else if (word === "-var-file" || word.startsWith("-var-file=")) {
        varFiles.push(word === "-var-file" ? next() : word.slice("-var-file=".length));
      } else if (word === "-var" || word.startsWith("-var=")) {
        const assignment = word === "-var" ? next() : word.slice("-var=".length);
        vars.push(assignment.split("=")[0] ?? "");
      }
    }
  }
  return { dir: terraformDir ?? dir, varFiles, vars };
}

export interface UnsetVariables {
  /** Repo-relative folder of the root module. */
  dir: string;
  names: string[];
}

/**
 * The variables a stage's Terraform/OpenTofu command would find without a value, or undefined when
 * the command runs neither tool or every variable has one. `folder` is the stage's `cwd`.
 */
export async function unsetTerraformVariables(
  repoRoot: string,
  command: string,
  folder: string,
  env: NodeJS.ProcessEnv,
): Promise<UnsetVariables | undefined> {
  if (!commandWords(command).some((word) => word.kind === "program" && TERRAFORM.has(word.text))) {
    return undefined;
  }
  const { dir, varFiles, vars } = commandArguments(command, folder);
  const names = await namesIn(join(repoRoot, dir));
  if (names === undefined) {
    return undefined;
  }
  const required: string[] = [];
  for (const name of names.filter((entry) => /\.(tf|tofu)$/.test(entry))) {
    const text = (await readIfPresent(join(repoRoot, dir, name))) ?? "";
    for (const block of readHcl(text).blocks) {
      const variable = block.labels[0];
      if (
        block.type === "variable" &&
        variable !== undefined &&
        !block.attributes.some((a) => a.name === "default")
      ) {
        required.push(variable);
      }
    }
  }
  if (required.length === 0) {
    return undefined;
  }
  const set = new Set(vars);
  const tfvars = names.filter((name) => AUTO_LOADED.test(name));
  for (const file of [...tfvars, ...varFiles]) {
    const text = await readIfPresent(join(repoRoot, dir, file));
    for (const assigned of text === undefined ? [] : assignedIn(file, text)) {
      set.add(assigned);
    }
  }
  const unset = [...new Set(required)].filter(
    (name) => !set.has(name) && env[`TF_VAR_${name}`] === undefined,
  );
  return unset.length === 0 ? undefined : { dir, names: unset };
}

/**
 * The variable files (repo-relative) a stage's Terraform/OpenTofu command would read that are in
 * the checkout: the ones it loads by name and the ones `-var-file` names. Empty when the command
 * runs neither tool.
 */
export async function terraformValueFiles(
  repoRoot: string,
  command: string,
  folder: string,
): Promise<string[]> {
  if (!commandWords(command).some((word) => word.kind === "program" && TERRAFORM.has(word.text))) {
    return [];
  }
  const { dir, varFiles } = commandArguments(command, folder);
  const names = (await namesIn(join(repoRoot, dir))) ?? [];
  const found: string[] = [];
  for (const file of [...names.filter((name) => AUTO_LOADED.test(name)), ...varFiles]) {
    const path = posix.normalize(posix.join(dir, file));
    if (!path.startsWith("../") && (await readIfPresent(join(repoRoot, path))) !== undefined) {
      found.push(path);
    }
  }
  return [...new Set(found)];
}

/** One preflight line for a stage's unset variables. */
export function unsetVariablesMessage(stage: string, unset: UnsetVariables): string {
  const tfvars = unset.dir === "." ? "terraform.tfvars" : `${unset.dir}/terraform.tfvars`;
  const plural = unset.names.length > 1;
  return `stage ${stage}: Terraform variable${plural ? "s" : ""} ${unset.names.join(", ")} ${plural ? "have" : "has"} no default and no value, so the run would stop at "No value for required variable": set ${plural ? "them" : "it"} in ${tfvars} or a *.auto.tfvars file (kept out of git when secret), or export ${unset.names.map((name) => `TF_VAR_${name}`).join(", ")}`;
}

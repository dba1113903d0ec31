import { resolve } from "node:path";
import { git } from "../../adapters/git/index.ts";
import { contextMapJsonSchema } from "../../config/json-schema.ts";
import { RUNTIME_DIRS } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import { initRepo, planInit } from "../../init/index.ts";
import { GITIGNORE_LINES } from "../../init/templates.ts";
import { ignoredInitFiles, ignoredMessage } from "../../preflight/index.ts";
import type { GlobalOptions } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { OWN_CLI } from "../own-bin.ts";

/**
 * `orchestrator init [--pack auto|builtin|<packs>] [--dry-run]`: the one command that does not
 * look for the repo around the working folder: it makes one. It reads what the repo already uses
 * and writes stages for that tooling, or the built-in pack for a repo with none.
 */
export async function run(
  _args: [],
  options: GlobalOptions & { pack?: string; dryRun?: boolean },
  io: CliIO,
): Promise<number> {
  const repoRoot = resolve(io.cwd, options.repo ?? ".");
  const inside = await git(["rev-parse", "--is-inside-work-tree"], { cwd: repoRoot, allowFailure: true });
  if (inside.exitCode !== 0 || inside.stdout.trim() !== "true") {
    throw new UserError(
      `${repoRoot} is not inside a git repository: run "git init" (the AI branch needs git), then "orchestrator init"`,
    );
  }
  const schema = `${JSON.stringify(contextMapJsonSchema(), null, 2)}\n`;
  const plan = await planInit(repoRoot, schema, options.pack ?? "auto", OWN_CLI);
  const adopted = plan.packs[0] !== "builtin";
  io.stdout.write(
    adopted
      ? `adopting what this repo uses: ${plan.packs.join(", ")}\n`
      : "found no talhelper, Terraform/OpenTofu, Packer, cluster-template, Flux or Argo CD: using the built-in stage pack\n",
  );
  for (const warning of plan.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
  }
  const gitignore = adopted ? RUNTIME_DIRS.map((dir) => `${dir}/`) : GITIGNORE_LINES;
  if (options.dryRun) {
    for (const file of plan.files) {
      io.stdout.write(
        `--- would write ${file.path}\n${file.path.endsWith(".json") ? "(the context map's JSON Schema)\n" : file.content}`,
      );
    }
    io.stdout.write(`--- would add to .gitignore (if missing): ${gitignore.join(" ")}\n`);
    return 0;
  }
  const result = await initRepo(repoRoot, plan.files, gitignore);
  for (const path of result.written) {
    io.stdout.write(`wrote ${path}\n`);
  }
  for (const path of result.kept) {
    io.stdout.write(`kept ${path} (already exists; not overwritten)\n`);
  }
  if (result.gitignoreAdded.length > 0) {
    io.stdout.write(`added to .gitignore: ${result.gitignoreAdded.join(" ")}\n`);
  }
  for (const hit of await ignoredInitFiles(repoRoot)) {
    io.stderr.write(`warning: ${ignoredMessage(hit)}\n`);
  }
  if (result.written.length === 0) {
    throw new UserError(
      `${repoRoot} is already initialised: every file init writes exists, and none was overwritten`,
    );
  }
  io.stdout.write(
    adopted
      ? "next: read ai/context_map.yaml and ai/master_memo.md, then: git add ai/ .gitignore && git commit -m 'orchestrator' && orchestrator all\n"
      : "next: describe your lab in config/clusters/*.yaml and ai/master_memo.md, set PROXMOX_TOKEN_SECRET, then: git add ai/ config/ .gitignore && git commit -m 'orchestrator' && orchestrator all\n",
  );
  return 0;
}

import { resolve } from "node:path";
import { contextMapJsonSchema } from "../../config/json-schema.ts";
import { UserError } from "../../errors/index.ts";
import { defaultInitFiles, initRepo } from "../../init/index.ts";
import type { GlobalOptions } from "./run.ts";

export async function initCommand(options: GlobalOptions): Promise<void> {
  const repoRoot = resolve(options.repo ?? process.cwd());
  const files = defaultInitFiles(`${JSON.stringify(contextMapJsonSchema(), null, 2)}\n`);
  const result = await initRepo(repoRoot, files);
  for (const path of result.written) {
    process.stdout.write(`wrote ${path}\n`);
  }
  for (const path of result.kept) {
    process.stdout.write(`kept ${path} (already exists; not overwritten)\n`);
  }
  if (result.gitignoreAdded.length > 0) {
    process.stdout.write(`added to .gitignore: ${result.gitignoreAdded.join(" ")}\n`);
  }
  if (result.written.length === 0) {
    throw new UserError(
      `${repoRoot} is already initialised: every file init writes exists, and none was overwritten`,
    );
  }
  process.stdout.write(
    "next: describe your lab in config/clusters/*.yaml and ai/master_memo.md, set PROXMOX_TOKEN_SECRET, then run: orchestrator all\n",
  );
}

import { resolve } from "node:path";
import { contextMapJsonSchema } from "../../config/json-schema.ts";
import { UserError } from "../../errors/index.ts";
import { defaultInitFiles, initRepo } from "../../init/index.ts";
import type { GlobalOptions } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/** The one command that does not look for the repo around the working folder: it makes one. */
export async function run(_args: [], options: GlobalOptions, io: CliIO): Promise<number> {
  const repoRoot = resolve(io.cwd, options.repo ?? ".");
  const files = defaultInitFiles(`${JSON.stringify(contextMapJsonSchema(), null, 2)}\n`);
  const result = await initRepo(repoRoot, files);
  for (const path of result.written) {
    io.stdout.write(`wrote ${path}\n`);
  }
  for (const path of result.kept) {
    io.stdout.write(`kept ${path} (already exists; not overwritten)\n`);
  }
  if (result.gitignoreAdded.length > 0) {
    io.stdout.write(`added to .gitignore: ${result.gitignoreAdded.join(" ")}\n`);
  }
  if (result.written.length === 0) {
    throw new UserError(
      `${repoRoot} is already initialised: every file init writes exists, and none was overwritten`,
    );
  }
  io.stdout.write(
    "next: describe your lab in config/clusters/*.yaml and ai/master_memo.md, set PROXMOX_TOKEN_SECRET, then run: orchestrator all\n",
  );
  return 0;
}

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { git } from "../../src/adapters/git/index.ts";
import type { SandboxLab } from "./index.ts";

/**
 * What a user does once with a new homelab repo: write the files, then publish `main` to the
 * remote Flux syncs (`git remote add origin <url>`, `git push origin main`). Every lab user (the
 * demo, `qualify`, the lab tests) goes through here, so Flux in the lab always reads a real push.
 */

/** Writes repo-relative files (`undefined` skips one) under `repo`. */
export async function writeRepoFiles(
  repo: string,
  files: Iterable<readonly [string, string | undefined]>,
): Promise<void> {
  for (const [path, text] of files) {
    if (text !== undefined) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), text);
    }
  }
}

/** `git remote add origin <lab url>` and `git push origin main`, as the user would. */
export async function publishToLab(
  repo: string,
  lab: Pick<SandboxLab, "git">,
  env: Record<string, string> = {},
): Promise<void> {
  await git(["remote", "add", "origin", lab.git.url], { cwd: repo, env });
  await git(["push", "--quiet", "origin", "main"], { cwd: repo, env });
}

import { appendFile, mkdir, readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { git } from "../git/index.ts";

export const RUNTIME_FOLDERS = ["ai/state/", "ai/logs/", "ai/escalations/", "ai/patches/", "ai/worktree/"];

/**
 * Keeps the tool's runtime folders out of the user's `git status` through `.git/info/exclude`,
 * so a repo that never ran `init` (which also writes .gitignore lines) is not cluttered either.
 * No tracked file is touched.
 */
export async function excludeRuntimeFolders(repoRoot: string): Promise<void> {
  const common = await git(["rev-parse", "--git-common-dir"], { cwd: repoRoot, allowFailure: true });
  if (common.exitCode !== 0) {
    return;
  }
  const gitDir = common.stdout.trim();
  const infoDir = join(isAbsolute(gitDir) ? gitDir : join(repoRoot, gitDir), "info");
  const excludeFile = join(infoDir, "exclude");
  const current = await readFile(excludeFile, "utf8").catch(() => "");
  const present = new Set(current.split("\n").map((line) => line.trim()));
  const missing = RUNTIME_FOLDERS.filter((folder) => !present.has(folder) && !present.has(`/${folder}`));
  if (missing.length === 0) {
    return;
  }
  await mkdir(infoDir, { recursive: true });
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  await appendFile(excludeFile, `${separator}# homelab-orchestrator runtime data\n${missing.join("\n")}\n`);
}

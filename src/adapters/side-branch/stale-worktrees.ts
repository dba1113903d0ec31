/**
 * AI worktrees a repository left behind. The worktree's folder is named after the repository's
 * git folder (aiWorktreeLocation), so a repository moved with `mv` gets a new one, while git
 * still has the old one registered with the AI branch checked out there: `git worktree add`
 * then refuses the branch ("already checked out"). And a worktree folder deleted behind git's
 * back stays listed as `prunable` until `git worktree prune`
 * (git/git@018b85d Documentation/git-worktree.txt, "list" and "prune").
 */
import { readdir, realpath, rm } from "node:fs/promises";
import { basename, join, resolve, sep } from "node:path";
import { commonGitDir, git, samePath } from "../git/index.ts";
import { readIfExists } from "../state-store/atomic-file.ts";

export type WorktreeEntry = {
  path: string;
  branch: string | undefined;
  /** git's reason to prune the record (its folder is gone), when it has one. */
  prunable?: string;
  locked?: boolean;
};

/** The folder name aiWorktreeFolderName gives: `<repo folder>-<12 hex of the git folder's hash>`. */
const AI_WORKTREE_NAME = /-[0-9a-f]{12}$/;

/**
 * Clears the records of this repository's linked worktrees that stand in the way, and says what
 * it did through `log`; true when anything changed. Only the tool's own worktrees (in `aiHome`,
 * named as it names them, not locked) other than `current` are touched:
 *
 * - one git marks `prunable` (its folder is gone): `git worktree prune`, which removes only
 *   records whose folder is gone;
 * - one whose `.git` file points to an administrative folder that no longer exists, or into this
 *   repository's: made when this repository was at another path, so its folder is removed (a copy
 *   of the AI branch, whose commits stay on the branch) and its record pruned;
 * - one whose `.git` file points into another repository (this one is a copy of that one): only
 *   this repository's record of it is dropped, the folder is the other copy's.
 */
export async function pruneStaleAiWorktrees(
  repoRoot: string,
  aiHome: string,
  current: string,
  linked: WorktreeEntry[],
  log: (line: string) => void,
): Promise<boolean> {
  const home = await realpath(aiHome).catch(() => resolve(aiHome));
  const gitDir = await realpath(await commonGitDir(repoRoot));
  let prune = false;
  for (const entry of linked) {
    const path = resolve(entry.path);
    if (
      entry.locked ||
      !path.startsWith(`${home}${sep}`) ||
      !AI_WORKTREE_NAME.test(basename(path)) ||
      (await samePath(path, current))
    ) {
      continue;
    }
    if (entry.prunable !== undefined) {
      log(`pruned the record of the AI worktree ${path}: ${entry.prunable}`);
      prune = true;
      continue;
    }
    const pointsTo = (await readIfExists(join(path, ".git")))?.match(/^gitdir: (.+)$/m)?.[1]?.trim();
    const adminDir = pointsTo === undefined ? undefined : await realpathIfExists(pointsTo);
    if (adminDir !== undefined && !adminDir.startsWith(`${gitDir}${sep}`)) {
      await dropRecord(gitDir, path);
      log(`dropped this repository's record of the AI worktree ${path}, which belongs to another copy of it`);
      continue;
    }
    await rm(path, { recursive: true, force: true });
    log(
      `removed the AI worktree ${path}, made when this repository was at another path; the AI branch and its commits stay`,
    );
    prune = true;
  }
  if (prune) {
    await git(["worktree", "prune"], { cwd: repoRoot });
  }
  return prune;
}

/** The real path, or undefined when nothing is there (ENOENT/ENOTDIR only: EACCES is an error). */
async function realpathIfExists(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return undefined;
    }
    throw error;
  }
}

/**
 * Removes `<git dir>/worktrees/<id>`, the record whose `gitdir` file names `<path>/.git`: what
 * `git worktree prune` does for a record whose folder is gone (git-worktree.txt, DETAILS).
 */
async function dropRecord(gitDir: string, path: string): Promise<void> {
  const records = join(gitDir, "worktrees");
  for (const id of await readdir(records)) {
    const named = (await readIfExists(join(records, id, "gitdir")))?.trim();
    if (named !== undefined && (await samePath(named, join(path, ".git")))) {
      await rm(join(records, id), { recursive: true, force: true });
    }
  }
}

import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { AI_WORKTREES_STATE_DIR, CONTEXT_MAP_FILE, WORKTREE_DIR } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import { userStateHome } from "./state-home.ts";

/*
 * The one answer to "which homelab repo am I in": the nearest folder at or above the working
 * folder that holds ai/context_map.yaml. Not git's top level: a homelab repo may be a sub-folder
 * of a larger git repository (where git is, is the side branch's question, not this one).
 */

const WORKTREE_SUFFIX = `${sep}${WORKTREE_DIR.split("/").join(sep)}`;

/**
 * The homelab repo at or above `start`, or undefined outside any. Stage commands run inside the
 * AI branch's worktree (under the user's state directory), which holds a copy of the context map; the repo is then the
 * user's checkout around the worktree, at the same place relative to it.
 */
export function locateRepoRoot(start: string): string | undefined {
  for (let folder = resolve(start); ; folder = dirname(folder)) {
    if (existsSync(join(folder, CONTEXT_MAP_FILE))) {
      return checkoutAround(folder) ?? folder;
    }
    if (dirname(folder) === folder) {
      return undefined;
    }
  }
}

/** The homelab repo at or above `start`; a user error saying to run init outside any. */
export function findRepoRoot(start: string): string {
  const root = locateRepoRoot(start);
  if (root === undefined) {
    throw new UserError(
      `no ${CONTEXT_MAP_FILE} in ${resolve(start)} or any folder above it: run "orchestrator init" in your homelab repo`,
    );
  }
  return root;
}

/** For a homelab folder inside an AI worktree: the same folder in the user's checkout. */
function checkoutAround(folder: string): string | undefined {
  return checkoutOfStateWorktree(folder) ?? checkoutAroundLegacyWorktree(folder);
}

/**
 * A worktree under `<state home>/homelab-orchestrator/worktrees/<name>`: its `.git` file names
 * its private folder under the main `$GIT_DIR/worktrees`, and that folder's common dir is the
 * main working tree's `$GIT_DIR` (git/git@018b85d Documentation/git-worktree.txt, DETAILS); git
 * writes it, relative, in the folder's `commondir` file (read here from a real `git worktree add`
 * in worktree-location.test.ts). Only for finding the homelab: git calls are pinned elsewhere.
 */
function checkoutOfStateWorktree(folder: string): string | undefined {
  const home = join(userStateHome(), ...AI_WORKTREES_STATE_DIR.split("/"));
  const inside = relative(realOrSame(home), folder);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) {
    return undefined;
  }
  const worktree = join(realOrSame(home), inside.split(sep)[0] ?? "");
  const gitDir = /^gitdir: (.+)$/m.exec(readOrEmpty(join(worktree, ".git")))?.[1]?.trim();
  const commonDir = gitDir && readOrEmpty(join(resolve(worktree, gitDir), "commondir")).trim();
  if (!gitDir || !commonDir) {
    return undefined;
  }
  const common = resolve(worktree, gitDir, commonDir);
  if (basename(common) !== ".git") {
    return undefined;
  }
  const same = join(dirname(common), relative(worktree, folder));
  return existsSync(join(same, CONTEXT_MAP_FILE)) ? same : undefined;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch (error) {
    if (absent(error)) {
      return path;
    }
    throw error;
  }
}

/** A file's text; empty when it is absent or a folder (a `.git` folder is a repository of its own). */
function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (absent(error) || (error as NodeJS.ErrnoException).code === "EISDIR") {
      return "";
    }
    throw error;
  }
}

function absent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The worktree's old place, `<checkout>/ai/worktree`, that an earlier version made. */
function checkoutAroundLegacyWorktree(folder: string): string | undefined {
  const at = `${folder}${sep}`.lastIndexOf(`${WORKTREE_SUFFIX}${sep}`);
  if (at < 0) {
    return undefined;
  }
  const worktree = folder.slice(0, at + WORKTREE_SUFFIX.length);
  const checkout = dirname(dirname(worktree));
  const same = join(checkout, relative(worktree, folder));
  return existsSync(join(same, CONTEXT_MAP_FILE)) ? same : undefined;
}

import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CONTEXT_MAP_FILE, WORKTREE_DIR } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";

/*
 * The one answer to "which homelab repo am I in": the nearest folder at or above the working
 * folder that holds ai/context_map.yaml. Not git's top level: a homelab repo may be a sub-folder
 * of a larger git repository (where git is, is the side branch's question, not this one).
 */

const WORKTREE_SUFFIX = `${sep}${WORKTREE_DIR.split("/").join(sep)}`;

/**
 * The homelab repo at or above `start`, or undefined outside any. Stage commands run inside the
 * AI branch's worktree (ai/worktree), which holds a copy of the context map; the repo is then the
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

/** For a homelab folder inside an AI worktree: the same folder in the checkout around it. */
function checkoutAround(folder: string): string | undefined {
  const at = `${folder}${sep}`.lastIndexOf(`${WORKTREE_SUFFIX}${sep}`);
  if (at < 0) {
    return undefined;
  }
  const worktree = folder.slice(0, at + WORKTREE_SUFFIX.length);
  const checkout = dirname(dirname(worktree));
  const same = join(checkout, relative(worktree, folder));
  return existsSync(join(same, CONTEXT_MAP_FILE)) ? same : undefined;
}

/**
 * The user's local state, seen from the AI worktree. Stages run in a second checkout of the
 * repo, which has every tracked file but none that git ignores: Terraform/OpenTofu state and
 * `.terraform/`, talosconfig, kubeconfig, talhelper's secrets and generated configs, sops/age
 * keys, `.env`. Without them `terraform apply` would start from empty state and talosctl would
 * have no credentials. So before a stage runs, each ignored file or folder of the user's
 * checkout that a `local_state` glob names is linked into the worktree at the same path:
 * tracked files come from the AI branch, and the infrastructure's state stays one reality.
 * The patch guard never writes through a link, and harvesting ignores ignored paths, so no AI
 * change can reach those files.
 */
import { lstat, mkdir, readlink, symlink, unlink } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { matchesAnyGlob } from "../../core/glob/index.ts";
import { RUNTIME_DIRS } from "../../core/repo-layout/index.ts";
import { git } from "../git/index.ts";
import { addExcludes } from "../side-branch/worktree.ts";

export interface LinkedState {
  /** Paths (repo-relative) linked into the worktree for this run. */
  linked: string[];
  /** Paths that exist in the worktree as real files or folders, so were not linked over. */
  blocked: string[];
}

/**
 * Links the ignored paths of `repoRoot` that `globs` name into `worktreeRoot` (the homelab's
 * folder in the AI worktree), and removes links of ours that are no longer wanted (a stage that
 * opts out with `local_state: []`). Never replaces a real file or folder in the worktree.
 */
export async function linkLocalState(opts: {
  repoRoot: string;
  /** The git repository's top level (the homelab may be a sub-folder of it). */
  gitTop: string;
  worktreeRoot: string;
  globs: readonly string[];
}): Promise<LinkedState> {
  const ignored = await ignoredPaths(opts.repoRoot);
  const wanted = ignored.filter((path) => opts.globs.length > 0 && matchesAnyGlob(path, opts.globs));
  const result: LinkedState = { linked: [], blocked: [] };
  for (const path of wanted) {
    const source = join(opts.repoRoot, path);
    const target = join(opts.worktreeRoot, path);
    const existing = await lstat(target).catch(ignoreMissing);
    if (existing?.isSymbolicLink()) {
      if ((await readlink(target)) === source) {
        result.linked.push(path);
        continue;
      }
      await unlink(target);
    } else if (existing) {
      result.blocked.push(path);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await symlink(source, target);
    result.linked.push(path);
  }
  await removeUnwantedLinks(opts, ignored, new Set(result.linked));
  // In the worktree a linked folder is a symlink, which a folder-only pattern (`.terraform/`)
  // does not match: name each link exactly, so git never sees it as a new file to commit.
  const anchored = result.linked.map(
    (path) => `/${relative(opts.gitTop, join(opts.repoRoot, path)).split(sep).join("/")}`,
  );
  await addExcludes(opts.gitTop, anchored, "homelab-orchestrator: local state linked into the AI worktree");
  return result;
}

/** Our links (pointing into the user's checkout) at ignored paths no longer wanted. */
async function removeUnwantedLinks(
  opts: { repoRoot: string; worktreeRoot: string },
  ignored: readonly string[],
  wanted: ReadonlySet<string>,
): Promise<void> {
  for (const path of ignored) {
    if (wanted.has(path)) {
      continue;
    }
    const target = join(opts.worktreeRoot, path);
    const existing = await lstat(target).catch(ignoreMissing);
    if (existing?.isSymbolicLink() && (await readlink(target)) === join(opts.repoRoot, path)) {
      await unlink(target);
    }
  }
}

/**
 * Files and folders git ignores in the user's checkout, repo-relative, without the tool's own
 * runtime folders (`git ls-files --others --ignored --exclude-standard --directory`: an ignored
 * folder is listed once, with a trailing slash, instead of every file in it).
 */
async function ignoredPaths(repoRoot: string): Promise<string[]> {
  const { stdout } = await git(
    ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--no-empty-directory"],
    { cwd: repoRoot },
  );
  return stdout
    .split("\0")
    .map((path) => path.replace(/\/$/, ""))
    .filter(
      (path) =>
        path !== "" &&
        !RUNTIME_DIRS.some((dir) => path === dir || path.startsWith(`${dir}/`)) &&
        !relative(repoRoot, join(repoRoot, path)).startsWith(`..${sep}`),
    );
}

function ignoreMissing(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") {
    return undefined;
  }
  throw error;
}

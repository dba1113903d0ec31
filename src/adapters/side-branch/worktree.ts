import { appendFile, mkdir, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { UserError } from "../../errors/index.ts";
import { git, gitInWorktree, type PinnedWorktree, pinWorktree, QUIET_COMMIT_CONFIG } from "../git/index.ts";
import { readIfExists } from "../state-store/atomic-file.ts";

export const WORKTREE_PATH = "ai/worktree";

type WorktreeEntry = { path: string; branch: string | undefined };

async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const { stdout } = await git(["worktree", "list", "--porcelain"], { cwd });
  return stdout
    .split("\n\n")
    .filter((block) => block.startsWith("worktree "))
    .map((block) => {
      const lines = block.split("\n");
      const path = (lines[0] ?? "").slice("worktree ".length);
      const branch = lines.find((line) => line.startsWith("branch "))?.slice("branch ".length);
      return { path, branch };
    });
}

async function samePath(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([
    realpath(a).catch(() => resolve(a)),
    realpath(b).catch(() => resolve(b)),
  ]);
  return left === right;
}

/**
 * The top level of the user's git repository, from anywhere inside it, including from inside the
 * tool's own worktree. Where the git repo is, not where the homelab repo is (that is
 * src/config/repo-root.ts: a homelab repo may be a sub-folder of a git repo).
 */
export async function findGitTopLevel(start: string): Promise<string> {
  const exists = await stat(start).catch(() => undefined);
  if (!exists?.isDirectory()) {
    throw new UserError(`${start} is not a folder`);
  }
  // An ordinary checkout's root holds a .git folder: no need to ask git (every run starts here).
  if (
    (await stat(join(start, ".git")).catch(() => undefined))?.isDirectory() &&
    !start.endsWith(WORKTREE_PATH)
  ) {
    return realpath(start);
  }
  const top = await git(["rev-parse", "--show-toplevel"], { cwd: start, allowFailure: true });
  if (top.exitCode !== 0 || top.stdout.trim() === "") {
    throw new UserError(
      `${start} is not inside a git repository: run "git init" there and commit your homelab files`,
    );
  }
  const root = top.stdout.trim();
  if (!root.endsWith(`/${WORKTREE_PATH}`)) {
    return root;
  }
  const main = (await listWorktrees(root))[0];
  if (main && (await samePath(root, join(main.path, WORKTREE_PATH)))) {
    return main.path;
  }
  return root;
}

export async function requireFirstCommit(repoRoot: string): Promise<string> {
  const head = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], {
    cwd: repoRoot,
    allowFailure: true,
  });
  if (head.exitCode !== 0) {
    throw new UserError(
      `${repoRoot} has no commit yet: commit your homelab files first (git add . && git commit)`,
    );
  }
  return head.stdout.trim();
}

export async function requireBranchName(repoRoot: string, branch: string): Promise<void> {
  const check = await git(["check-ref-format", "--branch", branch], { cwd: repoRoot, allowFailure: true });
  if (check.exitCode !== 0 || branch.startsWith("-")) {
    throw new UserError(
      `"${branch}" is not a valid branch name for the AI branch (settings.ai_branch or AI_BRANCH)`,
    );
  }
}

/** The tool's runtime folders: its worktree, state, logs, case files and patches. */
export const RUNTIME_FOLDERS = [
  `/${WORKTREE_PATH}/`,
  "/ai/state/",
  "/ai/logs/",
  "/ai/escalations/",
  "/ai/patches/",
];

/**
 * Keeps the worktree and the tool's runtime data out of the user's `git status` through
 * `.git/info/exclude`, without editing any tracked file (a repo that never ran `init`, which
 * also writes .gitignore lines, stays clean too).
 */
export async function excludeRuntimeFolders(repoRoot: string): Promise<void> {
  await addExcludes(repoRoot, RUNTIME_FOLDERS, "homelab-orchestrator runtime data");
}

/**
 * Appends the `entries` (gitignore patterns, anchored with a leading `/`) that are not there yet
 * to the repository's `.git/info/exclude`, under a `# heading` comment. The file is shared by
 * every worktree of the repository and is not tracked.
 */
export async function addExcludes(
  repoRoot: string,
  entries: readonly string[],
  heading: string,
): Promise<void> {
  const infoDir = join(await commonGitDir(repoRoot), "info");
  const excludeFile = join(infoDir, "exclude");
  const current = (await readIfExists(excludeFile)) ?? "";
  const present = new Set(current.split("\n").map((line) => line.trim().replace(/^\//, "")));
  const missing = entries.filter((entry) => !present.has(entry.replace(/^\//, "")));
  if (missing.length === 0) {
    return;
  }
  await mkdir(infoDir, { recursive: true });
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  await appendFile(excludeFile, `${separator}# ${heading}\n${missing.join("\n")}\n`);
}

/** `.git` itself in an ordinary checkout (no git process needed); git's answer otherwise. */
async function commonGitDir(repoRoot: string): Promise<string> {
  const dotGit = join(repoRoot, ".git");
  if ((await stat(dotGit).catch(() => undefined))?.isDirectory()) {
    return dotGit;
  }
  const common = (await git(["rev-parse", "--git-common-dir"], { cwd: repoRoot })).stdout.trim();
  return isAbsolute(common) ? common : join(repoRoot, common);
}

/**
 * Creates the worktree for `branch`, or repairs one that was deleted, moved or left stale
 * (including one whose `.git` file a stage command deleted). Returns it pinned: every git call
 * on it names its git folder, so none can fall through to the user's repository.
 */
export async function ensureWorktree(repoRoot: string, branch: string): Promise<PinnedWorktree> {
  const worktree = join(repoRoot, WORKTREE_PATH);
  const ref = `refs/heads/${branch}`;
  const entries = await listWorktrees(repoRoot);
  const [main] = entries;
  if (main?.branch === ref) {
    throw new UserError(
      `your checkout has the AI branch ${branch} checked out; switch back to your own branch (git switch main) and run again`,
    );
  }
  const registered = await findAsync(entries.slice(1), (entry) => samePath(entry.path, worktree));
  const hasGitFile = await stat(join(worktree, ".git")).then(
    () => true,
    () => false,
  );
  if (registered && hasGitFile) {
    const pinned = await pinWorktree(repoRoot, worktree);
    if (registered.branch !== ref) {
      await gitInWorktree(pinned, [...QUIET_COMMIT_CONFIG, "switch", "--quiet", branch]);
    }
    return pinned;
  }
  await git(["worktree", "prune"], { cwd: repoRoot });
  const leftover = await stat(worktree).catch(() => undefined);
  if (leftover) {
    if (!hasGitFile && (await readdirCount(worktree)) > 0) {
      throw new UserError(
        `${worktree} exists but is not the orchestrator's worktree; move it away so the tool can create its own`,
      );
    }
    await rm(worktree, { recursive: true, force: true }); // an orphaned copy of ours: its changes were never committed
  }
  await git([...QUIET_COMMIT_CONFIG, "worktree", "add", "--quiet", worktree, branch], { cwd: repoRoot });
  return pinWorktree(repoRoot, worktree);
}

async function readdirCount(folder: string): Promise<number> {
  return (await readdir(folder)).length;
}

async function findAsync<T>(items: T[], predicate: (item: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) {
    if (await predicate(item)) {
      return item;
    }
  }
  return undefined;
}

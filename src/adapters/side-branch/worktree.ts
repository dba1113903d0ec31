import { createHash } from "node:crypto";
import { appendFile, mkdir, realpath, rm, stat } from "node:fs/promises";
import { basename, join, sep } from "node:path";
import { userStateHome } from "../../config/state-home.ts";
import { AI_WORKTREES_STATE_DIR, aiWorktreeFolderName, WORKTREE_DIR } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import {
  commonGitDir,
  git,
  gitInWorktree,
  type PinnedWorktree,
  pinWorktree,
  QUIET_COMMIT_CONFIG,
  samePath,
} from "../git/index.ts";
import { readIfExists } from "../state-store/atomic-file.ts";
import { pruneStaleAiWorktrees, type WorktreeEntry } from "./stale-worktrees.ts";

/** Where earlier versions kept the worktree, inside the checkout; migrated away on open. */
export const LEGACY_WORKTREE_PATH = WORKTREE_DIR;

/** The folder that holds every AI worktree of this user (`<state home>/homelab-orchestrator/worktrees`). */
export function aiWorktreesHome(env: NodeJS.ProcessEnv = process.env): string {
  return join(userStateHome(env), ...AI_WORKTREES_STATE_DIR.split("/"));
}

/**
 * The AI worktree of the repository at `repoRoot`: under the user's state directory, named after
 * the repo's folder and a hash of its git folder, so `../../` from it reaches none of the user's
 * ignored files (secrets, Terraform state) the way `<repo>/ai/worktree` did.
 */
export async function aiWorktreeLocation(repoRoot: string): Promise<string> {
  const gitDir = await realpath(await commonGitDir(repoRoot));
  const hash = createHash("sha256").update(gitDir).digest("hex").slice(0, 12);
  return join(aiWorktreesHome(), aiWorktreeFolderName(basename(repoRoot), hash));
}

/**
 * `git worktree list --porcelain`: a record per worktree, a line per attribute, `worktree <path>`
 * first, then `HEAD`, `branch <ref>` or `detached`, and `locked [reason]` or `prunable [reason]`
 * when they apply (git/git@018b85d Documentation/git-worktree.txt, "Porcelain Format").
 */
async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const { stdout } = await git(["worktree", "list", "--porcelain"], { cwd });
  return stdout
    .split("\n\n")
    .filter((block) => block.startsWith("worktree "))
    .map((block) => {
      const lines = block.split("\n");
      const path = (lines[0] ?? "").slice("worktree ".length);
      const branch = lines.find((line) => line.startsWith("branch "))?.slice("branch ".length);
      const prunable = lines.find((line) => line === "prunable" || line.startsWith("prunable "));
      const locked = lines.some((line) => line === "locked" || line.startsWith("locked "));
      return {
        path,
        branch,
        ...(prunable === undefined ? {} : { prunable: prunable.slice("prunable ".length) || "prunable" }),
        ...(locked ? { locked } : {}),
      };
    });
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
  if ((await stat(join(start, ".git")).catch(() => undefined))?.isDirectory()) {
    return realpath(start);
  }
  const top = await git(["rev-parse", "--show-toplevel"], { cwd: start, allowFailure: true });
  if (top.exitCode !== 0 || top.stdout.trim() === "") {
    throw new UserError(
      `${start} is not inside a git repository: run "git init" there and commit your homelab files`,
    );
  }
  const root = top.stdout.trim();
  const home = await realpath(aiWorktreesHome()).catch(() => aiWorktreesHome());
  if (!root.startsWith(`${home}${sep}`)) {
    return root;
  }
  // Inside an AI worktree: the repository it belongs to is the main worktree of its git.
  const main = (await listWorktrees(root))[0];
  if (main && (await samePath(root, await aiWorktreeLocation(main.path)))) {
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
  // Names of the plain shape settings allow are checked here; anything else is left to git.
  const valid = plainBranchName(branch)
    ? true
    : (await git(["check-ref-format", "--branch", branch], { cwd: repoRoot, allowFailure: true }))
        .exitCode === 0;
  if (!valid || branch.startsWith("-")) {
    throw new UserError(
      `"${branch}" is not a valid branch name for the AI branch (settings.ai_branch or AI_BRANCH)`,
    );
  }
}

/**
 * A branch name git accepts for certain, without asking it: letters, digits, `.`, `_`, `-` and
 * `/`, where no component is empty, starts with `.` or ends with `.lock`, and the name neither
 * ends with `.` nor holds `..` (git/git Documentation/git-check-ref-format.txt, rules 1–10).
 */
function plainBranchName(branch: string): boolean {
  return (
    /^[A-Za-z0-9._/-]+$/.test(branch) &&
    !branch.includes("..") &&
    !branch.endsWith(".") &&
    !branch.startsWith("-") &&
    branch.split("/").every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"))
  );
}

/**
 * The tool's runtime folders: state, logs, case files and patches (and the worktree's old place
 * inside the checkout, which a repo opened by an earlier version may still hold).
 */
export const RUNTIME_FOLDERS = [
  `/${LEGACY_WORKTREE_PATH}/`,
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

/**
 * Creates the worktree for `branch`, or repairs one that was deleted, moved or left stale
 * (including one whose `.git` file a stage command deleted). A worktree an earlier version made
 * inside the checkout (`ai/worktree`) is removed first; the branch and its commits stay.
 * Returns it pinned: every git call on it names its git folder, so none can fall through to the
 * user's repository.
 */
export async function ensureWorktree(
  repoRoot: string,
  branch: string,
  log: (line: string) => void = () => {},
): Promise<PinnedWorktree> {
  const worktree = await aiWorktreeLocation(repoRoot);
  const ref = `refs/heads/${branch}`;
  const healthy = await healthyWorktree(repoRoot, worktree, ref);
  if (healthy) {
    return healthy;
  }
  let entries = await listWorktrees(repoRoot);
  if (await pruneStaleAiWorktrees(repoRoot, aiWorktreesHome(), worktree, entries.slice(1), log)) {
    entries = await listWorktrees(repoRoot);
  }
  const [main] = entries;
  if (main?.branch === ref) {
    throw new UserError(
      `your checkout has the AI branch ${branch} checked out; switch back to your own branch (git switch main) and run again`,
    );
  }
  await removeLegacyWorktree(repoRoot, entries.slice(1));
  const registered = await findAsync(entries.slice(1), (entry) => samePath(entry.path, worktree));
  const hasGitFile = await isFile(join(worktree, ".git"));
  if (registered && hasGitFile) {
    const pinned = await pinWorktree(repoRoot, worktree);
    if (registered.branch !== ref) {
      await gitInWorktree(pinned, [...QUIET_COMMIT_CONFIG, "switch", "--quiet", branch]);
    }
    return pinned;
  }
  await git(["worktree", "prune"], { cwd: repoRoot });
  // The folder is the tool's own (under its state directory, named for this repository): a
  // leftover there is an orphaned copy whose changes were never committed.
  await rm(worktree, { recursive: true, force: true });
  await mkdir(join(worktree, ".."), { recursive: true });
  await git([...QUIET_COMMIT_CONFIG, "worktree", "add", "--quiet", worktree, branch], { cwd: repoRoot });
  return pinWorktree(repoRoot, worktree);
}

/**
 * Every run's common case, told from the files git keeps, without a git process: an ordinary
 * checkout (its `.git` a folder) whose own HEAD is not the AI branch, no worktree of an earlier
 * version at `ai/worktree`, and our worktree registered, its `.git` file pointing at its
 * administrative folder and that folder's HEAD on the AI branch (git/git@018b85d
 * Documentation/git-worktree.txt, DETAILS). Anything else takes the full path through git.
 */
async function healthyWorktree(
  repoRoot: string,
  worktree: string,
  ref: string,
): Promise<PinnedWorktree | undefined> {
  const dotGit = join(repoRoot, ".git");
  const [userHead, legacy, gitFile] = await Promise.all([
    // A `.git` that is a file (the checkout is itself a linked worktree) makes this throw ENOTDIR:
    // that, like any surprise here, just means the full path through git.
    readIfExists(join(dotGit, "HEAD")).catch(() => undefined),
    stat(join(repoRoot, LEGACY_WORKTREE_PATH)).then(
      () => true,
      () => false,
    ),
    isFile(join(worktree, ".git")),
  ]);
  if (userHead === undefined || userHead.trim() === `ref: ${ref}` || legacy || !gitFile) {
    return undefined;
  }
  try {
    const pinned = await pinWorktree(repoRoot, worktree);
    const head = await readIfExists(join(pinned.gitDir, "HEAD"));
    return head?.trim() === `ref: ${ref}` ? pinned : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the worktree at `<repo>/ai/worktree` that an earlier version registered (with
 * `git worktree remove --force`, which keeps the branch), or a stale copy of it whose `.git`
 * is a file (ours). A folder there that git never knew and that holds a repository or the
 * user's files is left alone.
 */
async function removeLegacyWorktree(repoRoot: string, linked: WorktreeEntry[]): Promise<void> {
  const legacy = join(repoRoot, LEGACY_WORKTREE_PATH);
  const registered = await findAsync(linked, (entry) => samePath(entry.path, legacy));
  if (registered) {
    // Locked worktrees need --force twice (git/git@018b85d Documentation/git-worktree.txt, OPTIONS --force).
    const removed = await git(["worktree", "remove", "--force", "--force", legacy], {
      cwd: repoRoot,
      allowFailure: true,
    });
    if (removed.exitCode === 0) {
      return;
    }
  } else if (!(await isFile(join(legacy, ".git")))) {
    return;
  }
  // Its .git was deleted or git refused: the folder is a copy of ours, never committed.
  await rm(legacy, { recursive: true, force: true });
  await git(["worktree", "prune"], { cwd: repoRoot });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return false;
    }
    throw error;
  }
}

async function findAsync<T>(items: T[], predicate: (item: T) => Promise<boolean>): Promise<T | undefined> {
  for (const item of items) {
    if (await predicate(item)) {
      return item;
    }
  }
  return undefined;
}

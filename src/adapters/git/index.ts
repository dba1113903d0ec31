import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { GitError } from "../../errors/index.ts";
import { runProcess } from "../process/index.ts";

export type GitOptions = {
  cwd: string;
  /** Written to git's stdin (a diff for `git apply`, a message for `git commit -F -`). */
  input?: string;
  /** Added to the environment; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Return a failed run instead of throwing `GitError`. */
  allowFailure?: boolean;
};

export type GitResult = { stdout: string; stderr: string; exitCode: number };

/** The identity used when the repo has none configured, so commits never fail for want of a name. */
export const FALLBACK_IDENTITY = { name: "homelab-orchestrator", email: "orchestrator@localhost" } as const;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs git with argv (no shell) through the one process runner. Never prompts (a prompt would
 * hang an unattended run) and speaks C locale so messages can be matched. Throws `GitError` on
 * a non-zero exit unless `allowFailure` is set; a timeout ends git and always throws.
 */
export function git(args: string[], opts: GitOptions): Promise<GitResult> {
  return runGit(args, args, opts);
}

async function runGit(argv: string[], shownArgs: string[], opts: GitOptions): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", GIT_PAGER: "cat" };
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const run = await runProcess(["git", ...argv], {
    cwd: opts.cwd,
    env,
    stdin: opts.input ?? "",
    timeoutMs,
    killGraceMs: 2000,
    output: { mode: "all", tailLines: 0 },
  });
  if (run.startFailure) {
    throw new GitError(shownArgs, null, "", `could not run git: ${run.startFailure.message}`);
  }
  const result = { stdout: run.stdout, stderr: run.stderr, exitCode: run.exitCode ?? -1 };
  if (run.timedOut) {
    const seconds = Math.round(timeoutMs / 1000);
    throw new GitError(shownArgs, null, run.stderr, `git ${shownArgs.join(" ")} timed out after ${seconds}s`);
  }
  if (result.exitCode !== 0 && !opts.allowFailure) {
    throw new GitError(shownArgs, run.exitCode, run.stderr || run.stdout);
  }
  return result;
}

/**
 * A linked worktree with the administrative folder git keeps for it
 * (`<common dir>/worktrees/<name>`), found from the repository's side, never from the
 * worktree's own `.git` file, which whatever runs in the worktree can delete or rewrite.
 */
export interface PinnedWorktree {
  readonly worktree: string;
  readonly gitDir: string;
}

/**
 * The repository's common git folder: `.git` itself in an ordinary checkout (no git process on
 * every run's path), git's answer otherwise (a checkout that is itself a linked worktree).
 */
export async function commonGitDir(repoRoot: string): Promise<string> {
  const dotGit = join(repoRoot, ".git");
  const info = await stat(dotGit).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR") {
      return undefined;
    }
    throw error;
  });
  if (info?.isDirectory()) {
    return dotGit;
  }
  const common = (await git(["rev-parse", "--git-common-dir"], { cwd: repoRoot })).stdout.trim();
  return isAbsolute(common) ? common : resolve(repoRoot, common);
}

/** Looks up the worktree's administrative folder in `repoRoot`'s repository. */
export async function pinWorktree(repoRoot: string, worktree: string): Promise<PinnedWorktree> {
  const adminRoot = join(await commonGitDir(repoRoot), "worktrees");
  const wanted = join(await realpath(worktree), ".git");
  let names: string[] = [];
  try {
    names = await readdir(adminRoot);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
  for (const name of names) {
    const gitDir = join(adminRoot, name);
    // git/git@018b85d Documentation/git-worktree.txt, DETAILS: each linked worktree has a private
    // folder under $GIT_DIR/worktrees whose `gitdir` file names the worktree's `.git` file
    const pointsTo = await readFile(join(gitDir, "gitdir"), "utf8").then(
      (text) => text.trim(),
      () => "",
    );
    if (pointsTo !== "" && (await samePath(resolve(gitDir, pointsTo), wanted))) {
      return { worktree, gitDir: await realpath(gitDir) };
    }
  }
  throw new GitError(
    ["worktree", "list"],
    null,
    "",
    `git does not know ${worktree} as a worktree of ${repoRoot}; run again to recreate it`,
  );
}

/**
 * Runs git on a linked worktree with `--git-dir` and `--work-tree` pinned, after checking that
 * the worktree's `.git` file still points at its administrative folder. Without this, a
 * worktree whose `.git` was deleted (a stage running `rm -rf ./* ./.[!.]*`) makes git search
 * the parent folders and act on the user's own checkout: `reset --hard` there wipes their work.
 */
export async function gitInWorktree(
  pinned: PinnedWorktree,
  args: string[],
  opts: Omit<GitOptions, "cwd"> = {},
): Promise<GitResult> {
  await checkDotGit(pinned, args);
  return runGit([`--git-dir=${pinned.gitDir}`, `--work-tree=${pinned.worktree}`, ...args], args, {
    ...opts,
    cwd: pinned.worktree,
  });
}

async function checkDotGit(pinned: PinnedWorktree, args: string[]): Promise<void> {
  const refuse = (what: string) =>
    new GitError(
      args,
      null,
      "",
      `refusing to run git ${args[0] ?? ""} in the AI worktree ${pinned.worktree}: ${what}, so git could reach another repository (your checkout was not touched); run again and the tool rebuilds its worktree`,
    );
  let text: string;
  try {
    text = await readFile(join(pinned.worktree, ".git"), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw refuse("its .git file is gone (something run there deleted it)");
    }
    if (code === "EISDIR") {
      throw refuse(".git there is a folder, a repository of its own");
    }
    throw error;
  }
  const match = /^gitdir: (.+)$/m.exec(text);
  if (!match?.[1] || !(await samePath(resolve(pinned.worktree, match[1].trim()), pinned.gitDir))) {
    throw refuse("its .git file no longer points at the worktree's own git folder");
  }
}

/** Whether two paths name the same place once symlinks are resolved (a missing one as written). */
export async function samePath(a: string, b: string): Promise<boolean> {
  if (a === b) {
    return true;
  }
  const real = (path: string) => realpath(path).catch(() => resolve(path));
  return (await real(a)) === (await real(b));
}

/**
 * Environment for commits the tool makes: the repo's configured identity when it has one
 * (and any GIT_AUTHOR_NAME etc. the caller exported), else the fallback.
 */
export async function commitIdentityEnv(cwd: string): Promise<Record<string, string>> {
  const [name, email] = await Promise.all([
    git(["config", "--get", "user.name"], { cwd, allowFailure: true }),
    git(["config", "--get", "user.email"], { cwd, allowFailure: true }),
  ]);
  const env: Record<string, string> = {};
  const fallbacks: [string, string, string][] = [
    ["GIT_AUTHOR_NAME", name.stdout.trim(), FALLBACK_IDENTITY.name],
    ["GIT_AUTHOR_EMAIL", email.stdout.trim(), FALLBACK_IDENTITY.email],
    ["GIT_COMMITTER_NAME", name.stdout.trim(), FALLBACK_IDENTITY.name],
    ["GIT_COMMITTER_EMAIL", email.stdout.trim(), FALLBACK_IDENTITY.email],
  ];
  for (const [variable, configured, fallback] of fallbacks) {
    if (!configured && !process.env[variable]) {
      env[variable] = fallback;
    }
  }
  return env;
}

/**
 * `-c` options for commands that commit, merge or check out in the tool's worktree: no hooks
 * (a patched `.husky/` must not run code on commit, and a user's commit-msg hook must not
 * reject the tool's trailers) and no signing prompts.
 */
export const QUIET_COMMIT_CONFIG = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "commit.gpgSign=false",
  // no background gc or maintenance after the tool's commits: it would slow every run
  "-c",
  "maintenance.auto=false",
  "-c",
  "gc.auto=0",
];

/** The first lines git wrote, as one line for a message a person reads. */
export function gitReason(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.slice(0, 3).join("; ") || "git gave no reason";
}

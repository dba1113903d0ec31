import { spawn } from "node:child_process";
import { GitError } from "../../errors/index.ts";

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
 * Runs git with argv (no shell). Never prompts (a prompt would hang an unattended run) and
 * speaks C locale so messages can be matched. Throws `GitError` on a non-zero exit unless
 * `allowFailure` is set; a timeout kills git and always throws.
 */
export function git(args: string[], opts: GitOptions): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C", GIT_PAGER: "cat" };
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    // git may exit before reading all of stdin (e.g. a usage error); that is not our failure.
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new GitError(args, null, String(error), `could not run git: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        exitCode: code ?? -1,
      };
      if (timedOut) {
        const seconds = Math.round((opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000);
        reject(new GitError(args, null, result.stderr, `git ${args.join(" ")} timed out after ${seconds}s`));
      } else if (result.exitCode !== 0 && !opts.allowFailure) {
        reject(new GitError(args, result.exitCode, result.stderr || result.stdout));
      } else {
        resolve(result);
      }
    });
  });
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

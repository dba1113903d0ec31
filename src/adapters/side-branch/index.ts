import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GuardRules, PatchVerdict } from "../../core/patch-guard/index.ts";
import { fileStamp, pathSegment, WORKTREE_LEFTOVERS_DIR } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import {
  commitIdentityEnv,
  type GitOptions,
  type GitResult,
  git,
  gitInWorktree,
  gitReason,
  type PinnedWorktree,
  QUIET_COMMIT_CONFIG,
} from "../git/index.ts";
import {
  type AiCommit,
  type PatchMeta,
  patchCommitMessage,
  readAiCommits,
  revertCommitMessage,
} from "./commits.ts";
import { isMarkedCreated, markCreated, requireOwnBranch } from "./ownership.ts";
import {
  ensureWorktree,
  excludeRuntimeFolders,
  findGitTopLevel,
  requireBranchName,
  requireFirstCommit,
} from "./worktree.ts";

export type { AiCommit, PatchMeta } from "./commits.ts";
export type { LandedPatch, LandPatchDeps } from "./land-patch.ts";

/**
 * The one patch path (src/adapters/side-branch/land-patch.ts). Its module (the edit applier, the
 * patch guard, YAML parsing) loads on first use: a run that patches nothing never needs it.
 */
export async function landPatch(
  ...args: Parameters<typeof import("./land-patch.ts").landPatch>
): Promise<import("./land-patch.ts").LandedPatch> {
  const landing = await import("./land-patch.ts");
  return landing.landPatch(...args);
}
export { type PatchRecord, recordPatchVerdict } from "./record.ts";
export {
  addExcludes,
  aiWorktreeLocation,
  aiWorktreesHome,
  excludeRuntimeFolders,
  findGitTopLevel,
  LEGACY_WORKTREE_PATH,
  RUNTIME_FOLDERS,
} from "./worktree.ts";

/**
 * The guard and `git apply --check` of a diff against `ref`, changing nothing. Its module
 * (the patch guard, glob matching, YAML parsing) loads on first use: a run that patches
 * nothing never needs it.
 */
export async function checkDiff(
  ...args: Parameters<typeof import("./facts.ts").checkDiff>
): Promise<PatchVerdict> {
  const facts = await import("./facts.ts");
  return facts.checkDiff(...args);
}

export type ApplyResult =
  | {
      status: "applied";
      commit: string;
      files: string[];
      changedLines: number;
      /** What the patch switches off, when the rules let it through to be proposed to a human. */
      switchOffs?: string[];
    }
  | { status: "refused"; reasons: string[] };

/** An AI commit left out when the AI branch was rebuilt on the user's moved branch, and why. */
export interface DroppedCommit {
  commit: string;
  subject: string;
  reason: string;
}

export type SyncResult = { how: "up-to-date" | "fast-forwarded" | "rebuilt"; dropped: DroppedCommit[] };

/**
 * The AI branch, checked out in its own worktree under the user's state directory
 * (`aiWorktreeLocation`, outside the checkout). Every change the tool makes happens there; the user's checkout (branch, HEAD, index, files) is never touched.
 */
export class SideBranch {
  readonly repoRoot: string;
  readonly branch: string;
  readonly worktree: string;
  readonly #pinned: PinnedWorktree;
  /**
   * The user's HEAD and the AI branch tip as `open` resolved them, so the `sync` that follows
   * every open needs no git call of its own; dropped by anything that moves the tip.
   */
  #headsAtOpen: { userHead: string; tip: string } | undefined;

  private constructor(
    repoRoot: string,
    branch: string,
    pinned: PinnedWorktree,
    headsAtOpen?: { userHead: string; tip: string },
  ) {
    this.repoRoot = repoRoot;
    this.branch = branch;
    this.worktree = pinned.worktree;
    this.#pinned = pinned;
    this.#headsAtOpen = headsAtOpen;
  }

  /**
   * git on the worktree with its git folder pinned: if whatever ran there deleted or rewrote
   * its `.git` file, this refuses instead of acting on the user's checkout. Every git call on
   * the worktree goes through here (callers outside this class too), never `git(…, {cwd: worktree})`.
   */
  worktreeGit(args: string[], opts: Omit<GitOptions, "cwd"> = {}): Promise<GitResult> {
    return gitInWorktree(this.#pinned, args, opts);
  }

  /**
   * `log`: told what was cleaned up on the way, e.g. the AI worktree a repository moved with `mv`
   * left at its old path (stale-worktrees.ts).
   */
  static async open(opts: {
    repoRoot: string;
    branch: string;
    log?: (line: string) => void;
  }): Promise<SideBranch> {
    const repoRoot = await findGitTopLevel(opts.repoRoot);
    // Independent look-ups, run side by side: every run opens the side branch.
    const [userHead, , exists, , marked] = await Promise.all([
      requireFirstCommit(repoRoot),
      requireBranchName(repoRoot, opts.branch),
      git(["rev-parse", "--verify", "--quiet", `refs/heads/${opts.branch}`], {
        cwd: repoRoot,
        allowFailure: true,
      }),
      excludeRuntimeFolders(repoRoot),
      isMarkedCreated(repoRoot, opts.branch),
    ]);
    if (exists.exitCode !== 0) {
      await git(["branch", "--no-track", opts.branch, userHead], { cwd: repoRoot });
      await markCreated(repoRoot, opts.branch);
    } else {
      await requireOwnBranch(repoRoot, opts.branch, marked);
    }
    const pinned = await ensureWorktree(repoRoot, opts.branch, opts.log);
    const tip = exists.exitCode === 0 ? exists.stdout.trim() : userHead;
    return new SideBranch(repoRoot, opts.branch, pinned, { userHead, tip });
  }

  private get ref(): string {
    return `refs/heads/${this.branch}`;
  }

  async headCommit(): Promise<string> {
    return (
      await git(["rev-parse", "--verify", `${this.ref}^{commit}`], { cwd: this.repoRoot })
    ).stdout.trim();
  }

  /** A file's text at the branch tip, or undefined when it does not exist there. */
  async readFileAtTip(path: string): Promise<string | undefined> {
    const result = await git(["cat-file", "blob", `${this.ref}:${path}`], {
      cwd: this.repoRoot,
      allowFailure: true,
    });
    return result.exitCode === 0 ? result.stdout : undefined;
  }

  /**
   * Brings the AI branch up to date with the user's HEAD. When the user's branch contains the AI
   * branch, it fast-forwards; when the user's branch moved on otherwise, the AI branch is rebuilt
   * on top of it from the AI commits that still matter: one the user already has (merged,
   * cherry-picked or squashed) is dropped as done, one that no longer applies because the user
   * changed the same lines is dropped and reported, once, and the loop goes on with the rest.
   */
  async sync(): Promise<SyncResult> {
    const known = this.#headsAtOpen;
    this.#headsAtOpen = undefined;
    const [userHead = "", tip = ""] = known
      ? [known.userHead, known.tip]
      : (await git(["rev-parse", "HEAD", `${this.ref}^{commit}`], { cwd: this.repoRoot })).stdout
          .trim()
          .split("\n");
    if (userHead === tip || (await this.isAncestor(userHead, tip))) {
      return { how: "up-to-date", dropped: [] };
    }
    await this.setAsideLeftovers("before-sync");
    if (await this.isAncestor(tip, userHead)) {
      await this.worktreeGit([...QUIET_COMMIT_CONFIG, "merge", "--quiet", "--ff-only", userHead]);
      return { how: "fast-forwarded", dropped: [] };
    }
    return this.rebuildOn(userHead, tip);
  }

  private async rebuildOn(userHead: string, tip: string): Promise<SyncResult> {
    const { stdout } = await git(["rev-list", "--reverse", "--no-merges", `${userHead}..${tip}`], {
      cwd: this.repoRoot,
    });
    const commits = stdout.split("\n").filter((line) => line !== "");
    const env = await commitIdentityEnv(this.repoRoot);
    const userBranch = await this.userBranchName();
    await this.worktreeGit(["reset", "--hard", "--quiet", userHead]);
    const dropped: DroppedCommit[] = [];
    for (const commit of commits) {
      const picked = await this.worktreeGit([...QUIET_COMMIT_CONFIG, "cherry-pick", commit], {
        env,
        allowFailure: true,
      });
      if (picked.exitCode === 0) {
        continue;
      }
      const conflicts = await this.conflictedFiles();
      await this.worktreeGit(["cherry-pick", "--abort"], { allowFailure: true });
      await this.worktreeGit(["reset", "--hard", "--quiet", "HEAD"]);
      const subject = (await git(["log", "-1", "--format=%s", commit], { cwd: this.repoRoot })).stdout.trim();
      dropped.push(
        conflicts.length === 0
          ? { commit, subject, reason: `${userBranch} already has this change` }
          : {
              commit,
              subject,
              reason: `${userBranch} changed the same lines of ${conflicts.join(", ")}; if the fix is still needed, the loop finds it again`,
            },
      );
    }
    return { how: "rebuilt", dropped };
  }

  /** The guard and `git apply --check` against the branch tip. Changes nothing. */
  check(diffText: string, rules: GuardRules): Promise<PatchVerdict> {
    return checkDiff(this.repoRoot, this.ref, diffText, rules, this.worktree);
  }

  /** Checks, applies and commits one patch; on refusal nothing changes at all. */
  async apply(diffText: string, meta: PatchMeta, rules: GuardRules): Promise<ApplyResult> {
    this.#headsAtOpen = undefined;
    const verdict = await this.check(diffText, rules);
    if (verdict.verdict === "refused") {
      return { status: "refused", reasons: verdict.reasons };
    }
    await this.setAsideLeftovers("before-apply");
    const applied = await this.worktreeGit(["apply", "--index", "--whitespace=nowarn", "-p1", "-"], {
      input: diffText,
      allowFailure: true,
    });
    if (applied.exitCode !== 0) {
      // git apply is all-or-nothing, so the worktree is as it was.
      return {
        status: "refused",
        reasons: [`the patch does not apply to the worktree: ${gitReason(applied.stderr)}`],
      };
    }
    try {
      await this.worktreeGit([...QUIET_COMMIT_CONFIG, "commit", "--quiet", "--no-verify", "-F", "-"], {
        input: patchCommitMessage(meta),
        env: await commitIdentityEnv(this.repoRoot),
      });
    } catch (error) {
      await this.discardChanges();
      throw error;
    }
    return {
      status: "applied",
      commit: await this.headCommit(),
      files: verdict.files,
      changedLines: verdict.changedLines,
      ...(verdict.switchOffs === undefined ? {} : { switchOffs: verdict.switchOffs }),
    };
  }

  /** The worktree's uncommitted changes, new untracked files included, as a diff for `apply`. */
  async harvest(): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), "orchestrator-harvest-"));
    // A scratch index: staging the executor's files must not disturb the worktree's own index.
    const env = { GIT_INDEX_FILE: join(folder, "index") };
    try {
      await this.worktreeGit(["read-tree", "HEAD"], { env });
      await this.worktreeGit(["add", "--all", "--", "."], { env });
      const { stdout } = await this.worktreeGit(
        [
          "diff",
          "--cached",
          "--binary",
          "--no-color",
          "--no-ext-diff",
          "--no-textconv",
          "--no-renames",
          "--no-relative",
          "--src-prefix=a/",
          "--dst-prefix=b/",
          "HEAD",
        ],
        { env },
      );
      return stdout;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** Resets the worktree to the branch tip (tracked changes and untracked files; ignored files stay). */
  async discardChanges(): Promise<void> {
    await this.worktreeGit(["reset", "--hard", "--quiet", "HEAD"]);
    await this.worktreeGit(["clean", "-fdq"]);
  }

  /** Reverts one of the tool's commits on the AI branch; the reason becomes a trailer. */
  async revert(commit: string, reason: string): Promise<string> {
    this.#headsAtOpen = undefined;
    const resolved = await git(["rev-parse", "--verify", "--quiet", `${commit}^{commit}`], {
      cwd: this.repoRoot,
      allowFailure: true,
    });
    const sha = resolved.stdout.trim();
    if (resolved.exitCode !== 0 || sha === "") {
      throw new UserError(`unknown commit "${commit}"; "orchestrator patches" lists the AI commits`);
    }
    const original = (await this.aiCommits()).find((candidate) => candidate.commit === sha);
    if (!original) {
      throw new UserError(
        `${commit} is not a patch the orchestrator committed on ${this.branch}; revert it by hand`,
      );
    }
    if (original.reverted) {
      throw new UserError(
        `${original.shortCommit} was already reverted by ${original.revertedBy?.slice(0, 12)}`,
      );
    }
    await this.setAsideLeftovers("before-revert");
    const revert = await this.worktreeGit([...QUIET_COMMIT_CONFIG, "revert", "--no-commit", sha], {
      allowFailure: true,
    });
    if (revert.exitCode !== 0) {
      const conflicts = await this.conflictedFiles();
      await this.worktreeGit(["revert", "--abort"], { allowFailure: true });
      await this.worktreeGit(["reset", "--hard", "--quiet", "HEAD"]);
      throw new UserError(
        `cannot revert ${original.shortCommit}: later commits changed ${conflicts.join(", ") || "the same lines"}; ` +
          "revert it by hand in the AI branch",
      );
    }
    await this.worktreeGit(
      [...QUIET_COMMIT_CONFIG, "commit", "--quiet", "--no-verify", "--allow-empty", "-F", "-"],
      {
        input: revertCommitMessage(original, reason),
        env: await commitIdentityEnv(this.repoRoot),
      },
    );
    return this.headCommit();
  }

  /** The tool's patch commits on the branch, newest first, each with whether it was reverted. */
  async aiCommits(opts: { stage?: string } = {}): Promise<AiCommit[]> {
    const commits = await readAiCommits(this.repoRoot, this.ref);
    return opts.stage === undefined ? commits : commits.filter((commit) => commit.stage === opts.stage);
  }

  private async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const result = await git(["merge-base", "--is-ancestor", ancestor, descendant], {
      cwd: this.repoRoot,
      allowFailure: true,
    });
    return result.exitCode === 0;
  }

  private async conflictedFiles(): Promise<string[]> {
    const { stdout } = await this.worktreeGit(["diff", "--name-only", "--diff-filter=U"], {
      allowFailure: true,
    });
    return stdout.split("\n").filter((line) => line !== "");
  }

  private async userBranchName(): Promise<string> {
    const name = await git(["symbolic-ref", "--short", "--quiet", "HEAD"], {
      cwd: this.repoRoot,
      allowFailure: true,
    });
    return name.exitCode === 0 ? name.stdout.trim() : "your HEAD";
  }

  /**
   * Edits to tracked files that something other than a committed patch left in the worktree
   * (a stage that writes into its checkout, a run killed mid-fix) are saved to
   * `ai/logs/worktree-leftovers/` and undone, so they never block a patch or a revert and never
   * end up inside one. Returns the saved diff's path, when there was anything.
   */
  async setAsideLeftovers(why: string): Promise<string | undefined> {
    const { stdout: diff } = await this.worktreeGit(["diff", "--no-color", "--no-ext-diff", "HEAD"], {});
    if (diff.trim() === "") {
      return undefined;
    }
    const folder = join(this.repoRoot, WORKTREE_LEFTOVERS_DIR);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${fileStamp()}_${pathSegment(why)}_${process.pid}.diff`);
    await writeFile(path, diff);
    await this.worktreeGit(["reset", "--hard", "--quiet", "HEAD"]);
    return path;
  }
}

import { join } from "node:path";
import { UserError } from "../../errors/index.ts";
import { git } from "../git/index.ts";
import { readIfExists } from "../state-store/atomic-file.ts";

/** The repo-local git config key that records that the orchestrator created a branch. */
export function ownershipKey(branch: string): string {
  return `orchestrator.${branch}.created`;
}

/**
 * Whether the tool marked `branch` as its own. In an ordinary checkout the repository's config
 * file is read directly, as git writes it for `orchestrator.<branch>.created` (a
 * `[orchestrator "<branch>"]` section with `created = true`: git/git Documentation/config.txt,
 * "Syntax"); otherwise git is asked.
 */
export async function isMarkedCreated(repoRoot: string, branch: string): Promise<boolean> {
  let text: string | undefined;
  try {
    text = await readIfExists(join(repoRoot, ".git", "config"));
  } catch {
    text = undefined; // `.git` is a file (a linked checkout): ask git
  }
  if (text !== undefined && /^[A-Za-z0-9._/-]+$/.test(branch)) {
    const header = `[orchestrator "${branch}"]`;
    let inSection = false;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("[")) {
        inSection = line === header;
      } else if (inSection && /^created\s*=\s*true$/i.test(line)) {
        return true;
      }
    }
    return false;
  }
  const asked = await git(["config", "--local", "--get", ownershipKey(branch)], {
    cwd: repoRoot,
    allowFailure: true,
  });
  return asked.stdout.trim() === "true";
}

/** Records that the tool created `branch` (in `.git/config`, beside the branch it describes). */
export async function markCreated(repoRoot: string, branch: string): Promise<void> {
  await git(["config", "--local", ownershipKey(branch), "true"], { cwd: repoRoot });
}

/**
 * Refuses to use an existing branch the tool did not create: committing there would put AI
 * commits on a branch of the user's (AI_BRANCH=develop). A branch without the mark is still
 * adopted when it only holds the tool's own commits beyond the user's HEAD (an AI branch made
 * by an earlier version of the tool); it is then marked.
 */
export async function requireOwnBranch(repoRoot: string, branch: string, marked: boolean): Promise<void> {
  if (marked) {
    return;
  }
  const { stdout } = await git(
    [
      "log",
      "--format=%H%x1f%s%x1f%(trailers:key=Error-Fingerprint,key=Reverts,valueonly,separator=%x20)%x1e",
      `HEAD..refs/heads/${branch}`,
      "--",
    ],
    { cwd: repoRoot },
  );
  const commits = stdout
    .split("\x1e")
    .map((record) => record.trim())
    .filter((record) => record !== "");
  const toolCommit = (record: string) => {
    const [, subject = "", trailers = ""] = record.split("\x1f");
    return trailers.trim() !== "" || subject.startsWith("ai: merge ");
  };
  if (commits.length === 0 || !commits.every(toolCommit)) {
    throw new UserError(
      `the AI branch "${branch}" (settings.ai_branch or AI_BRANCH) already exists and was not created by the orchestrator: ` +
        "it would commit onto your branch. Name a branch that does not exist yet (the default is ai/orchestrator-stage1)",
    );
  }
  await markCreated(repoRoot, branch);
}

import type { ExecutorRequest } from "./types.ts";

/**
 * Paths an agent changed in the worktree (modified, added, deleted, untracked), repo-relative.
 * Asked through the worktree's pinned git: an agent that deleted or rewrote the worktree's `.git`
 * gets a refusal, never the status of the user's own repository.
 */
export async function changedPaths(request: Pick<ExecutorRequest, "worktreeGit">): Promise<string[]> {
  const { stdout } = await request.worktreeGit(["status", "--porcelain=v1", "-z", "--untracked-files=all"]);
  const paths: string[] = [];
  const entries = stdout.split("\0");
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index] ?? "";
    if (entry.length < 4) {
      continue;
    }
    paths.push(entry.slice(3));
    if (entry[0] === "R" || entry[0] === "C") {
      index += 1; // the rename's source path follows
    }
  }
  return paths;
}

/** Relevant files a transcript mentions, in the order given: what an agent looked at. */
export function mentionedFiles(transcript: string, relevantFiles: readonly string[]): string[] {
  return relevantFiles.filter((path) => transcript.includes(path));
}

export function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

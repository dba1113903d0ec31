/**
 * GitOps delivery: a fix to files Flux reconciles reaches the cluster only once it is on the
 * branch Flux syncs, on the remote Flux syncs from. The AI branch is pushed there under its own
 * name and offered as a pull request; under `propose` a human merges it, under `auto` (enabled
 * explicitly for a repo) the orchestrator merges it through the forge's API. The user's local
 * checkout is never touched: the push reads the AI branch from the repository's refs.
 */
import { git } from "../git/index.ts";
import type { PullRequest, PullRequests } from "./pull-request.ts";
import type { FluxSource } from "./source.ts";

export type Approval = "propose" | "auto";

export interface Delivery {
  pull: PullRequest;
  merged: boolean;
}

export async function deliverFix(input: {
  /** The git repository holding the AI branch (the user's repo; only its refs are read). */
  repoRoot: string;
  aiBranch: string;
  source: FluxSource;
  pulls: PullRequests;
  approval: Approval;
  title: string;
  body: string;
}): Promise<Delivery> {
  const { repoRoot, aiBranch, source } = input;
  // Forced: the AI branch is rebuilt on the user's branch when theirs moves, and it is ours alone.
  await git(["push", "--quiet", source.url, `+refs/heads/${aiBranch}:refs/heads/${aiBranch}`], {
    cwd: repoRoot,
  });
  const pull = await input.pulls.open({
    title: input.title,
    body: input.body,
    head: aiBranch,
    base: source.branch,
  });
  if (input.approval === "auto") {
    await input.pulls.merge(pull.number);
    return { pull, merged: true };
  }
  return { pull, merged: await input.pulls.isMerged(pull.number) };
}

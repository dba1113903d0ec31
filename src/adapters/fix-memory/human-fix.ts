import { matchesAnyGlob } from "../../core/glob/index.ts";
import { isSecretPath } from "../../core/redaction/index.ts";
import { git } from "../git/index.ts";
import { blobIds, changedFiles } from "./git-facts.ts";
import type { FingerprintPair, FixMemory } from "./index.ts";
import type { RememberedFix } from "./schema.ts";

/**
 * After a give_up, the human fixed things by hand and ran `--reset`: what they committed on their
 * branch since `sinceCommit` (the AI branch tip at the give_up), limited to the stage's `files`
 * globs and never a secret file, is remembered against the fingerprint with `source: human`.
 * Returns undefined when they committed nothing relevant.
 */
export async function rememberHumanFix(
  memory: FixMemory,
  options: {
    stage: string;
    fingerprint: FingerprintPair;
    sinceCommit: string;
    stageFiles: readonly string[];
    secretGlobs: readonly string[];
  },
): Promise<RememberedFix | undefined> {
  const repoRoot = memory.repoRoot;
  const head = (await git(["rev-parse", "HEAD"], { cwd: repoRoot })).stdout.trim();
  // The AI branch was synced from the user's branch, so their common ancestor is where the human started.
  const base = (await git(["merge-base", options.sinceCommit, head], { cwd: repoRoot })).stdout.trim();
  if (base === head) {
    return undefined;
  }
  const files = (await changedFiles(repoRoot, [base, head])).filter(
    (path) => matchesAnyGlob(path, options.stageFiles) && !isSecretPath(path, [...options.secretGlobs]),
  );
  if (files.length === 0) {
    return undefined;
  }
  const { stdout: patch } = await git(
    [
      "diff",
      "--binary",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      "--src-prefix=a/",
      "--dst-prefix=b/",
      base,
      head,
      "--",
      ...files,
    ],
    { cwd: repoRoot },
  );
  return memory.rememberPatch(options.stage, options.fingerprint, {
    patch,
    files,
    fileHashes: await blobIds(repoRoot, head, files),
    commit: head,
    source: "human",
    summary: `the human's fix after give_up (${files.join(", ")})`,
  });
}

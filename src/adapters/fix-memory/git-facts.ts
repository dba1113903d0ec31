import { git } from "../git/index.ts";

/** The patch a commit made, as `git apply` takes it, and the files it touched. */
export async function commitPatch(
  repoRoot: string,
  commit: string,
): Promise<{ patch: string; files: string[] }> {
  const { stdout: patch } = await git(
    [
      "show",
      "--format=",
      "--binary",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      "--src-prefix=a/",
      "--dst-prefix=b/",
      commit,
    ],
    { cwd: repoRoot },
  );
  return { patch, files: await changedFiles(repoRoot, [`${commit}^`, commit]) };
}

export async function changedFiles(repoRoot: string, range: [string, string]): Promise<string[]> {
  const { stdout } = await git(["diff", "--name-only", "--no-renames", "-z", range[0], range[1]], {
    cwd: repoRoot,
  });
  return stdout.split("\0").filter((path) => path !== "");
}

/** Blob id of each path at a commit; null where the path does not exist there. */
export async function blobIds(
  repoRoot: string,
  commit: string,
  paths: string[],
): Promise<Record<string, string | null>> {
  const hashes: Record<string, string | null> = {};
  for (const path of paths) {
    const result = await git(["rev-parse", "--verify", "--quiet", `${commit}:${path}`], {
      cwd: repoRoot,
      allowFailure: true,
    });
    hashes[path] = result.exitCode === 0 ? result.stdout.trim() : null;
  }
  return hashes;
}

/** `index abc..def` lines name blobs of one particular base; the same change on another base differs only there. */
export function comparablePatch(patch: string): string {
  return patch
    .split("\n")
    .filter((line) => !line.startsWith("index "))
    .join("\n")
    .trim();
}

/** The `Source:` trailer and subject of one of the tool's commits (empty for a human's). */
export async function commitOrigin(
  repoRoot: string,
  commit: string,
): Promise<{ source: string; subject: string }> {
  const { stdout } = await git(
    ["log", "-1", "--format=%(trailers:key=Source,valueonly,separator=%x2C)%x1f%s", commit],
    {
      cwd: repoRoot,
    },
  );
  const [source = "", subject = ""] = stdout.trim().split("\x1f");
  return { source: source.trim(), subject: subject.replace(/^ai\([^)]*\): /, "").trim() };
}

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { git } from "../git/index.ts";

/**
 * Re-makes a remembered patch against the files as they are now. A fix recorded when a nearby
 * line was different (another fault fixed three lines further down, say) no longer applies as
 * a diff, yet the change it makes is still right. Each file is merged three ways with
 * `git merge-file` — the file now, the fix's pre-image and its post-image, both still in the
 * repo's objects — and the result is diffed against the file now. Undefined when the patch
 * creates, deletes or renames files, or a file does not merge cleanly: then it is truly stale.
 */
export async function rebasePatch(
  patch: string,
  opts: { repoRoot: string; readAtTip: (path: string) => Promise<string | undefined> },
): Promise<string | undefined> {
  const files = modifiedFiles(patch);
  if (!files) {
    return undefined;
  }
  const scratch = await mkdtemp(join(tmpdir(), "orchestrator-rebase-"));
  try {
    const diffs: string[] = [];
    for (const [index, file] of files.entries()) {
      const [current, base, theirs] = await Promise.all([
        opts.readAtTip(file.path),
        blob(opts.repoRoot, file.preImage),
        blob(opts.repoRoot, file.postImage),
      ]);
      if (current === undefined || base === undefined || theirs === undefined) {
        return undefined;
      }
      const names = ["current", "base", "theirs"].map((name) => join(scratch, `${index}.${name}`));
      await Promise.all([current, base, theirs].map((text, n) => writeFile(names[n] ?? "", text)));
      const merged = await git(["merge-file", "-p", ...names], { cwd: scratch, allowFailure: true });
      if (merged.exitCode !== 0) {
        return undefined;
      }
      if (merged.stdout === current) {
        continue;
      }
      for (const [side, text] of [
        ["a", current],
        ["b", merged.stdout],
      ] as const) {
        const target = join(scratch, side, file.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, text);
      }
      // --no-prefix with a/ and b/ folders gives exactly the repo's `a/<path>`, `b/<path>` headers.
      const diff = await git(
        ["diff", "--no-index", "--no-prefix", "--no-color", `a/${file.path}`, `b/${file.path}`],
        {
          cwd: scratch,
          allowFailure: true,
        },
      );
      diffs.push(diff.stdout);
    }
    return diffs.length > 0 ? diffs.join("") : undefined;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface ModifiedFile {
  path: string;
  preImage: string;
  postImage: string;
}

/** The files a git diff modifies in place, with their blob ids; undefined for anything else. */
function modifiedFiles(patch: string): ModifiedFile[] | undefined {
  const files: ModifiedFile[] = [];
  for (const section of patch.split(/^(?=diff --git )/m).filter((part) => part.startsWith("diff --git "))) {
    const header = /^diff --git a\/(\S+) b\/(\S+)$/m.exec(section);
    const index = /^index ([0-9a-f]{7,64})\.\.([0-9a-f]{7,64})(?: \d+)?$/m.exec(section);
    if (
      !header ||
      !index ||
      header[1] !== header[2] ||
      /^(new|deleted) file mode|^rename |^GIT binary/m.test(section)
    ) {
      return undefined;
    }
    files.push({ path: header[1] ?? "", preImage: index[1] ?? "", postImage: index[2] ?? "" });
  }
  return files.length > 0 ? files : undefined;
}

async function blob(repoRoot: string, id: string): Promise<string | undefined> {
  const result = await git(["cat-file", "blob", id], { cwd: repoRoot, allowFailure: true });
  return result.exitCode === 0 ? result.stdout : undefined;
}

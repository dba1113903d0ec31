import { lstat, mkdtemp, readlink, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix, relative, sep } from "node:path";
import {
  checkPatch,
  fluxPathsNeedingFacts,
  type GuardFacts,
  type GuardRules,
  type ParsedPatch,
  type PatchVerdict,
  parseUnifiedDiff,
  pathShapeProblem,
  pathsNeedingContent,
  pathsNeedingFacts,
  pathsOf,
} from "../../core/patch-guard/index.ts";
import { git, gitReason } from "../git/index.ts";

type TreeEntry = { mode: string; type: string; object: string; path: string };

async function lsTree(cwd: string, ref: string, paths: string[]): Promise<TreeEntry[]> {
  const args = ["--literal-pathspecs", "ls-tree", "-z", ref];
  if (paths.length > 0) {
    args.push("--", ...paths);
  }
  const { stdout } = await git(args, { cwd });
  return stdout
    .split("\0")
    .filter((record) => record !== "")
    .map((record) => {
      const tab = record.indexOf("\t");
      const [mode = "", type = "", object = ""] = record.slice(0, tab).split(" ");
      return { mode, type, object, path: record.slice(tab + 1) };
    });
}

/** Where a link stored at `path` points, and whether that stays inside the tree. */
function symlinkFact(path: string, target: string) {
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  const insideWorktree = !target.startsWith("/") && resolved !== ".." && !resolved.startsWith("../");
  return { path, target, insideWorktree };
}

/**
 * Reads what the guard needs from the commit `ref` (the branch tip) and, when given, the
 * worktree on disk, where a stage command may have left an untracked symlink.
 */
export async function gatherFacts(
  cwd: string,
  ref: string,
  patch: ParsedPatch,
  worktree?: string,
): Promise<GuardFacts> {
  const wanted = pathsNeedingFacts(patch).filter((path) => pathShapeProblem(path) === undefined);
  const [top, entries] = await Promise.all([
    lsTree(cwd, ref, []),
    wanted.length ? lsTree(cwd, ref, wanted) : [],
  ]);
  const facts: GuardFacts = {
    topLevelEntries: top.map((entry) => entry.path),
    existingPaths: [],
    symlinks: [],
    oldContents: {},
  };
  for (const entry of entries) {
    if (entry.mode === "120000") {
      const { stdout } = await git(["cat-file", "blob", entry.object], { cwd });
      facts.symlinks.push(symlinkFact(entry.path, stdout));
    } else if (entry.mode !== "160000") {
      facts.existingPaths.push(entry.path);
    }
  }
  if (worktree !== undefined) {
    await addSymlinksOnDisk(worktree, wanted, facts);
  }
  const blobs = new Map(
    entries.filter((entry) => entry.type === "blob").map((entry) => [entry.path, entry.object]),
  );
  for (const path of pathsNeedingContent(patch)) {
    const object = blobs.get(path);
    if (object !== undefined && !facts.symlinks.some((link) => link.path === path)) {
      facts.oldContents[path] = (await git(["cat-file", "blob", object], { cwd })).stdout;
    }
  }
  const fluxPaths = fluxPathsNeedingFacts(facts.oldContents).filter(
    (path) => pathShapeProblem(path) === undefined,
  );
  if (fluxPaths.length > 0) {
    for (const entry of await lsTree(cwd, ref, fluxPaths)) {
      facts.existingPaths.push(entry.path);
    }
  }
  return facts;
}

async function addSymlinksOnDisk(worktree: string, paths: string[], facts: GuardFacts): Promise<void> {
  const root = await realpath(worktree);
  for (const path of paths) {
    if (facts.symlinks.some((link) => link.path === path)) {
      continue;
    }
    const onDisk = join(worktree, ...path.split("/"));
    const stats = await lstat(onDisk).catch(missingIsUndefined);
    if (!stats?.isSymbolicLink()) {
      continue;
    }
    const target = await readlink(onDisk);
    // A link whose target does not exist resolves to nothing; any other failure is real.
    const resolved = await realpath(onDisk).catch(missingIsUndefined);
    const fact = symlinkFact(path, target);
    const inside =
      resolved !== undefined && !relative(root, resolved).startsWith(`..${sep}`) && fact.insideWorktree;
    facts.symlinks.push({ ...fact, insideWorktree: inside });
  }
}

/** Runs `git` with a throw-away index holding `ref`, so nothing the user or the worktree has is touched. */
export async function withScratchIndex<T>(
  cwd: string,
  ref: string,
  run: (env: Record<string, string>) => Promise<T>,
) {
  const folder = await mkdtemp(join(tmpdir(), "orchestrator-index-"));
  const env = { GIT_INDEX_FILE: join(folder, "index") };
  try {
    await git(["read-tree", ref], { cwd, env });
    return await run(env);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const APPLY_FLAGS = ["--whitespace=nowarn", "-p1"];

/**
 * The whole check: parse, the pure guard on facts from `ref`, then git's own reading of the
 * diff (must name the same files) and `git apply --check` against `ref`. Changes nothing.
 */
export async function checkDiff(
  cwd: string,
  ref: string,
  diffText: string,
  rules: GuardRules,
  worktree?: string,
): Promise<PatchVerdict> {
  const parsed = parseUnifiedDiff(diffText);
  if (!parsed.ok) {
    return { verdict: "refused", reasons: [parsed.reason] };
  }
  const facts = await gatherFacts(cwd, ref, parsed.patch, worktree);
  const verdict = checkPatch(parsed.patch, facts, rules);
  if (verdict.verdict === "refused") {
    return verdict;
  }
  const numstat = await git(["apply", ...APPLY_FLAGS, "--numstat", "-z", "-"], {
    cwd,
    input: diffText,
    allowFailure: true,
  });
  const ours = new Set(parsed.patch.files.flatMap(pathsOf));
  const theirs = new Set(numstatPaths(numstat.stdout));
  if (numstat.exitCode === 0 && [...theirs].some((path) => !ours.has(path))) {
    return {
      verdict: "refused",
      reasons: [
        `git reads this diff as touching ${[...theirs].join(", ")}, not what the guard checked; refusing to guess`,
      ],
    };
  }
  const applyCheck = await withScratchIndex(cwd, ref, (env) =>
    git(["apply", ...APPLY_FLAGS, "--cached", "--check", "-"], {
      cwd,
      env,
      input: diffText,
      allowFailure: true,
    }),
  );
  if (applyCheck.exitCode !== 0) {
    return {
      verdict: "refused",
      reasons: [`the patch does not apply cleanly to the AI branch: ${gitReason(applyCheck.stderr)}`],
    };
  }
  return verdict;
}

/** Paths in `--numstat -z` output: `add\tdel\tpath\0`, or `add\tdel\t\0old\0new\0` for a rename. */
function numstatPaths(output: string): string[] {
  const fields = output.split("\0");
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const match = /^(?:\d+|-)\t(?:\d+|-)\t(.*)$/s.exec(fields[i] as string);
    if (!match) {
      continue;
    }
    if (match[1] === "") {
      paths.push(fields[i + 1] as string, fields[i + 2] as string);
      i += 2;
    } else {
      paths.push(match[1] as string);
    }
  }
  return paths;
}

/** ENOENT (or ENOTDIR: a parent is a file) means "not there"; EACCES and the rest stay errors. */
function missingIsUndefined(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT" || error.code === "ENOTDIR") {
    return undefined;
  }
  throw error;
}

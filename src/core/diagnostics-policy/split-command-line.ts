export type SplitResult = { ok: true; argv: string[] } | { ok: false; reason: string };

/** Characters that look like an ASCII hyphen but are not, so `—kubeconfig` would slip past a flag check. */
const LOOKALIKE_HYPHENS = /[\u2010-\u2015\u2212\u2043\uFE58\uFE63\uFF0D\u00AD]/u;
/** Invisible or control characters: a human reviewing the command would not see them. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[^\S\t ]/u;

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function refuse(reason: string): SplitResult {
  return { ok: false, reason };
}

/** Checks that hold whether or not the character is quoted. */
function checkCharacters(text: string): string | undefined {
  if (/[\r\n]/.test(text)) {
    return "newlines are not allowed: a diagnostic is exactly one command on one line";
  }
  const hyphen = LOOKALIKE_HYPHENS.exec(text);
  if (hyphen) {
    return `the character "${hyphen[0]}" (${codePoint(hyphen[0])}) looks like a hyphen but is not one: use a plain "-"`;
  }
  for (const char of text) {
    if (char !== "\t" && INVISIBLE.test(char)) {
      return `control or invisible characters (${codePoint(char)}) are not allowed`;
    }
  }
  return undefined;
}

/** What an unquoted shell metacharacter would have done, as a refusal reason. */
function unquotedConstruct(text: string, i: number, wordStarted: boolean): string | undefined {
  const char = text[i];
  const next = text[i + 1];
  switch (char) {
    case "|":
      return next === "|"
        ? "command lists (||) are not allowed: send one command per diagnostic"
        : "pipes (|) are not allowed: diagnostics run without a shell";
    case "&":
      return next === "&"
        ? "command lists (&&) are not allowed: send one command per diagnostic"
        : "background jobs (&) are not allowed: diagnostics run without a shell";
    case ";":
      return "command separators (;) are not allowed: send one command per diagnostic";
    case ">":
      return "output redirects (>, >>) are not allowed: diagnostics write nothing";
    case "<":
      return "input redirects (<) are not allowed: diagnostics read no files";
    case "`":
      return "command substitution with backticks is not allowed";
    case "$":
      if (next === "(") {
        return "command substitution $(...) is not allowed";
      }
      return "variable expansion ($VAR) is not allowed: diagnostics run without a shell, so write the value itself";
    case "(":
    case ")":
      return "subshells and parentheses are not allowed unquoted: quote the argument";
    case "*":
    case "?":
    case "[":
      return `glob patterns (${char}) are not allowed unquoted: quote the argument if ${char} is meant literally`;
    case "~":
      return wordStarted ? undefined : "home-directory expansion (~) is not allowed: write the path itself";
    case "#":
      return wordStarted ? undefined : "comments (#) are not allowed";
    case "{": {
      const close = text.indexOf("}", i);
      const inner = close === -1 ? "" : text.slice(i + 1, close);
      return inner.includes(",") || inner.includes("..")
        ? "brace expansion ({a,b}) is not allowed: quote the argument"
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Splits a command line into argv the way a POSIX shell would quote it ('...', "...", and
 * backslash escapes), but expands nothing: every construct that would make a shell do more
 * than run one program with literal arguments is refused with a reason naming it.
 */
export function splitCommandLine(text: string): SplitResult {
  const problem = checkCharacters(text);
  if (problem) {
    return refuse(problem);
  }
  const argv: string[] = [];
  let word = "";
  let wordStarted = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === " " || char === "\t") {
      if (wordStarted) {
        argv.push(word);
        word = "";
        wordStarted = false;
      }
      i++;
      continue;
    }
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) {
        return refuse("unterminated single quote (')");
      }
      word += text.slice(i + 1, end);
      wordStarted = true;
      i = end + 1;
      continue;
    }
    if (char === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const inner = text[i] as string;
        if (inner === '"') {
          closed = true;
          i++;
          break;
        }
        if (inner === "$") {
          return refuse(
            text[i + 1] === "("
              ? "command substitution $(...) is not allowed, even in double quotes"
              : "variable expansion ($VAR) is not allowed, even in double quotes: use single quotes for a literal $",
          );
        }
        if (inner === "`") {
          return refuse("command substitution with backticks is not allowed, even in double quotes");
        }
        if (inner === "\\" && i + 1 < text.length && '$`"\\'.includes(text[i + 1] as string)) {
          word += text[i + 1];
          i += 2;
          continue;
        }
        word += inner;
        i++;
      }
      if (!closed) {
        return refuse('unterminated double quote (")');
      }
      wordStarted = true;
      continue;
    }
    if (char === "\\") {
      if (i + 1 >= text.length) {
        return refuse("a trailing backslash (\\) is not allowed");
      }
      word += text[i + 1];
      wordStarted = true;
      i += 2;
      continue;
    }
    const construct = unquotedConstruct(text, i, wordStarted);
    if (construct) {
      return refuse(construct);
    }
    if (char === "=" && wordStarted && argv.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) {
      return refuse("environment assignments before the command (NAME=value cmd) are not allowed");
    }
    word += char;
    wordStarted = true;
    i++;
  }
  if (wordStarted) {
    argv.push(word);
  }
  if (argv.length === 0) {
    return refuse("the command is empty");
  }
  return { ok: true, argv };
}

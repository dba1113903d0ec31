/** How `git diff` writes file names: `a/`/`b/` prefixes, C-style quoting, tab-separated timestamps. */

/** `a/x b/x` → both paths; quoted names are decoded. Ambiguous unquoted names with spaces → undefined. */
export function parseGitHeaderPaths(rest: string): { oldPath: string; newPath: string } | undefined {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    const oldRaw = rest.slice(0, end + 1);
    const newRaw = rest.slice(end + 2);
    const oldPath = unquoteGitPath(oldRaw);
    const newPath = newRaw.startsWith('"') ? unquoteGitPath(newRaw) : newRaw;
    return stripPrefixes(oldPath, newPath);
  }
  if (rest.endsWith('"')) {
    const open = rest.lastIndexOf(' "');
    return stripPrefixes(rest.slice(0, open), unquoteGitPath(rest.slice(open + 1)));
  }
  // Unquoted: both names are equal unless it is a rename, whose real names come later.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === " ") {
    const result = stripPrefixes(rest.slice(0, half), rest.slice(half + 1));
    if (result && result.oldPath === result.newPath) {
      return result;
    }
  }
  const parts = rest.split(" ");
  return parts.length === 2 ? stripPrefixes(parts[0], parts[1]) : undefined;
}

function stripPrefixes(
  oldPath: string | undefined,
  newPath: string | undefined,
): { oldPath: string; newPath: string } | undefined {
  if (oldPath?.startsWith("a/") && newPath?.startsWith("b/")) {
    return { oldPath: oldPath.slice(2), newPath: newPath.slice(2) };
  }
  return undefined;
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") {
      i++;
    } else if (text[i] === '"') {
      return i;
    }
  }
  return text.length - 1;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, "\\": 92 };

/** Decodes git's C-style quoted path (`"a/\303\244i"`); octal escapes are UTF-8 bytes. */
export function unquoteGitPath(quoted: string): string | undefined {
  if (!quoted.startsWith('"') || !quoted.endsWith('"') || quoted.length < 2) {
    return undefined;
  }
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char !== "\\") {
      bytes.push(...encoder.encode(char));
      continue;
    }
    const next = body[i + 1] ?? "";
    const octal = /^[0-3][0-7]{2}/.exec(body.slice(i + 1));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next] as number);
      i += 1;
    } else {
      return undefined;
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

export function stripTimestamp(name: string): string {
  const tab = name.indexOf("\t");
  return tab === -1 ? name : name.slice(0, tab);
}

/**
 * Path rules that need nothing but the path: only plain, relative, normal-form ASCII paths
 * pass. Anything else could mean something different to git, the file system or a reader.
 */

// Letters that look like ASCII ones; enough to name the look-alike in a refusal.
const LOOK_ALIKES: Record<string, string> = {
  "\u0430": "a", // Cyrillic а
  "\u0435": "e",
  "\u043e": "o",
  "\u0440": "p",
  "\u0441": "c",
  "\u0443": "y",
  "\u0445": "x",
  "\u0456": "i", // Cyrillic і
  "\u0458": "j",
  "\u0455": "s",
  "\u04bb": "h",
  "\u0501": "d",
  "\u03b1": "a", // Greek α
  "\u03bf": "o",
  "\u03b9": "i",
  "\u03ba": "k",
  "\u03bd": "v",
  "\u0131": "i", // dotless ı
  "\u0261": "g",
  "\u2044": "/", // fraction slash
  "\u2215": "/", // division slash
  "\u29f8": "/",
  "\uff0f": "/",
};

/** What a path reads as to a human: NFKC (folds full-width forms) and known look-alikes mapped. */
export function asciiSkeleton(path: string): string {
  return [...path.normalize("NFKC")].map((char) => LOOK_ALIKES[char] ?? char).join("");
}

function describeCharacter(char: string): string {
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  const skeleton = asciiSkeleton(char);
  if (/^[\x21-\x7e]$/.test(skeleton) && skeleton !== char) {
    return `${code}, a look-alike of "${skeleton}"`;
  }
  return code;
}

/**
 * The reason a path is refused on its own, or undefined. `path` is repo-relative as the diff
 * names it (prefix stripped).
 */
export function pathShapeProblem(path: string): string | undefined {
  const shown = JSON.stringify(path);
  for (const char of path) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) {
      return `path ${shown} contains the control character ${describeCharacter(char)}`;
    }
    if (code > 0x7e) {
      return (
        `path ${shown} contains the non-ASCII character ${describeCharacter(char)} and reads as ` +
        `"${asciiSkeleton(path)}"; only plain ASCII paths are accepted`
      );
    }
  }
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) {
    return `path ${shown} is absolute; patches may only name paths inside the repository`;
  }
  if (path.includes("\\")) {
    return `path ${shown} contains a backslash; use "/" between folders`;
  }
  const segments = path.split("/");
  if (segments.includes("..")) {
    return `path ${shown} contains "..", which could leave the repository`;
  }
  if (segments.some((segment) => segment.toLowerCase() === ".git")) {
    return `path ${shown} is inside .git/, which holds git's own data and hooks`;
  }
  if (path === "" || segments.some((segment) => segment === "" || segment === ".")) {
    return `path ${shown} is not in normal form (empty, "./" or "//" segments)`;
  }
  return undefined;
}

/** `a/b/c` → `["a", "a/b", "a/b/c"]`: every place a symlink could redirect a write. */
export function pathPrefixes(path: string): string[] {
  const segments = path.split("/");
  return segments.map((_, index) => segments.slice(0, index + 1).join("/"));
}

import picomatch from "picomatch";

/**
 * The one meaning of a path glob, wherever the context map or the tool names files (`files`,
 * `protected`, `secrets`, `local_state`, the built-in secret and protected lists). It follows
 * `.gitignore` (git-scm.com/docs/gitignore, "PATTERN FORMAT"), which a homelab operator already
 * knows:
 *
 * - A glob with no `/` except a trailing one matches a name at any depth: `*.secret` matches
 *   `config/db.secret`, `talosconfig` matches `clusters/lab/talosconfig`.
 * - A glob with a `/` at its start or in its middle is anchored at the repo root:
 *   `infrastructure/talos/*.yaml` matches only there; a leading `/` is dropped.
 * - A match on a folder covers everything below it: `talos/clusterconfig` and
 *   `talos/clusterconfig/` both match `talos/clusterconfig/controlplane.yaml`.
 * - `*` and `?` stay inside one path segment; `**` spans any number of them; dot files match
 *   like any other (a glob is a rule about paths, not about hidden files).
 * - Case is ignored: macOS and Windows checkouts are case-insensitive, so `Secrets.YAML` is the
 *   same file as `secrets.yaml` there, and a protection must hold for both spellings.
 *
 * Paths are repo-relative; `\` is read as `/` and a leading `./` is dropped.
 */
export function matchesGlob(path: string, glob: string): boolean {
  const segments = normalisePath(path).split("/");
  const matcher = compiled(glob);
  let prefix = "";
  for (const segment of segments) {
    prefix = prefix === "" ? segment : `${prefix}/${segment}`;
    if (matcher(prefix)) {
      return true;
    }
  }
  return false;
}

/** True when `path` matches any of `globs`. */
export function matchesAnyGlob(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => matchesGlob(path, glob));
}

/** The first of `globs` that `path` matches, for a reason that names it. */
export function firstMatchingGlob(path: string, globs: readonly string[]): string | undefined {
  return globs.find((glob) => matchesGlob(path, glob));
}

/** `a\b` → `a/b`, `./a` → `a`, `a//b` → `a/b`; no trailing `/`. */
export function normalisePath(path: string): string {
  return path
    .replaceAll("\\", "/")
    .replace(/\/{2,}/g, "/")
    .replace(/^(?:\.\/)+/, "")
    .replace(/\/+$/, "");
}

const cache = new Map<string, (path: string) => boolean>();

function compiled(glob: string): (path: string) => boolean {
  let matcher = cache.get(glob);
  if (!matcher) {
    const trimmed = glob.trim().replaceAll("\\", "/").replace(/\/+$/, "");
    const anchored = trimmed.includes("/");
    const pattern = anchored ? trimmed.replace(/^\/+/, "") : `**/${trimmed}`;
    matcher = picomatch(pattern, { dot: true, nocase: true });
    cache.set(glob, matcher);
  }
  return matcher;
}

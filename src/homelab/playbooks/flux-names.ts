/**
 * When one name in the Flux tree is plainly another the tree has: the rule the Flux-tree
 * playbooks change names by, so that they act only where a person reading the repo would say
 * "that is obviously meant to be X", and never choose between two such names.
 */

/** Damerau-Levenshtein distance (optimal string alignment): a swapped pair of letters counts one. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = rows[i];
      if (row) {
        row[j] = best;
      }
    }
  }
  return at(a.length, b.length);
}

const tokens = (name: string) =>
  name
    .toLowerCase()
    .split(/[-_.]+/)
    .filter(Boolean);

/**
 * Whether `candidate` is plainly the name `wanted` was meant to be: a typo (one or two letters
 * wrong or swapped), an abbreviation token by token (`letsencrypt-prod` for
 * `letsencrypt-production`), or a name with a word added or left out (`echo-server` for `echo`).
 */
export function isCloseName(wanted: string, candidate: string): boolean {
  if (wanted === candidate) {
    return false;
  }
  const shorter = Math.min(wanted.length, candidate.length);
  if (editDistance(wanted.toLowerCase(), candidate.toLowerCase()) <= (shorter >= 8 ? 2 : 1)) {
    return true;
  }
  const [few, many] = [tokens(wanted), tokens(candidate)].sort((x, y) => x.length - y.length);
  if (!few || !many || few.length === 0 || few.join("").length < 3) {
    return false;
  }
  if (few.length === many.length) {
    const pairs = few.map((token, i) => [token, many[i] ?? ""] as const);
    return (
      pairs.some(([x, y]) => x === y) &&
      pairs.every(
        ([x, y]) => x === y || (Math.min(x.length, y.length) >= 3 && (x.startsWith(y) || y.startsWith(x))),
      )
    );
  }
  return many.some((_, start) => few.every((token, i) => many[start + i] === token));
}

/** The one close name among `candidates`, or a sentence saying why there is none. */
export function closestName(
  wanted: string,
  candidates: readonly string[],
): { name: string } | { why: string } {
  const close = [...new Set(candidates)].filter((candidate) => isCloseName(wanted, candidate));
  const [name, ...others] = close;
  if (name === undefined) {
    return {
      why:
        candidates.length === 0
          ? "there is none to choose from"
          : `none of ${[...new Set(candidates)].join(", ")} is close to ${wanted}`,
    };
  }
  return others.length === 0
    ? { name }
    : { why: `several are close to ${wanted} (${close.join(", ")}); a human must choose` };
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) {
    counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export const HIGH_ENTROPY_MIN_LENGTH = 32;
/**
 * Random base64 of 32+ characters scores about 4.4 to 5.5 bits per character; identifiers,
 * paths and words that happen to mix upper case, lower case and digits stay under 4.
 */
export const HIGH_ENTROPY_THRESHOLD = 4.2;

/**
 * A token that looks like a random secret: long, mixed upper and lower case,
 * high entropy, and not a word-like path or name. Hex alone (git SHAs, sha256 digests,
 * UUIDs, container ids) is a fingerprint, not a secret, unless a key name says otherwise;
 * that case is the assignment detector's.
 */
export function looksRandom(whole: string): boolean {
  if (whole.length < HIGH_ENTROPY_MIN_LENGTH) {
    return false;
  }
  // A random blob is random in its first kilobyte too; judging only that keeps a huge blob cheap.
  const token = whole.length > 1024 ? whole.slice(0, 1024) : whole;
  if (/^[0-9a-fA-F-]+$/.test(token)) {
    return false;
  }
  // Random base64 is about 40% upper case and 40% lower case; names like `ReplicaSet/app-6d8f9b7c4` are not.
  const upper = token.match(/[A-Z]/g)?.length ?? 0;
  const lower = token.match(/[a-z]/g)?.length ?? 0;
  if (upper < token.length / 10 || lower < token.length / 10) {
    return false;
  }
  // Paths and kebab/snake names have many separators; random base64 has about one in 32.
  const separators = token.match(/[/_-]/g)?.length ?? 0;
  if (separators > token.length / 8) {
    return false;
  }
  return shannonEntropy(token) >= HIGH_ENTROPY_THRESHOLD;
}

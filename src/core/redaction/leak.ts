/**
 * Does `out` still carry any part of `secret`? True when some 8-character window of the secret
 * (or the whole of a shorter one) appears in `out` although the text around the secret, as
 * `original` had it, does not explain it. Catches a tail or a head left behind by a short match.
 */
export function leaksSecret(out: string, secret: string, original: string): boolean {
  const context = original.split(secret).join("\u0000");
  const width = Math.min(8, secret.length);
  for (let i = 0; i + width <= secret.length; i++) {
    const window = secret.slice(i, i + width);
    if (out.includes(window) && !context.includes(window)) {
      return true;
    }
  }
  return false;
}

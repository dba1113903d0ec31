import { createHash } from "node:crypto";

/** 16 hex characters (64 bits) of SHA-256: short enough to read, long enough never to collide in a repo. */
export function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

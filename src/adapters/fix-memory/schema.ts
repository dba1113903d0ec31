import { z } from "zod";

import { STATE_FILES } from "../../core/repo-layout/index.ts";

export const FIXES_FILE = STATE_FILES.fixes;

export const RememberedFingerprint = z.looseObject({ template: z.string(), exact: z.string() });
export type RememberedFingerprint = z.output<typeof RememberedFingerprint>;

/** One verified fix. Unknown fields are kept, so a newer version's data survives an older reader. */
export const RememberedFix = z.looseObject({
  id: z.string().min(1),
  stage: z.string().min(1),
  /** Every fingerprint this patch made go away; the first is where it was found. */
  fingerprints: z.array(RememberedFingerprint).min(1),
  /** The unified diff (`git show --format= <commit>`). */
  patch: z.string().min(1),
  files: z.array(z.string()),
  /** Git blob id of each touched file as the fix left it (`null`: the fix deleted it). */
  fileHashes: z.record(z.string(), z.string().nullable()),
  /** Who found it: the executor kind, `api`, `human`, or `memory` for a replay. */
  source: z.string(),
  commit: z.string(),
  summary: z.string().default(""),
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
  successes: z.number().int().min(0).default(1),
  failures: z.number().int().min(0).default(0),
  retired: z.boolean().default(false),
});
export type RememberedFix = z.output<typeof RememberedFix>;

export const FixesFile = z.looseObject({
  version: z.literal(1),
  fixes: z.array(z.unknown()).default([]),
});

import { z } from "zod";

/** The file a running `lab up` leaves in its folder: who serves, where, and what to export. */
export const LAB_STATE_FILE = "lab.json";

export const LabState = z.object({
  pid: z.number().int().positive(),
  url: z.string(),
  startedAt: z.string(),
  binDir: z.string(),
  worldFile: z.string(),
  tokenFile: z.string(),
  clusterFile: z.string(),
  /** The homelab remote the lab's git server serves (push `main` there; Flux syncs it). */
  gitUrl: z.string(),
  /** The loopback forge's API root (GitHub's REST shape) for pull requests on that remote. */
  forgeApiUrl: z.string(),
  /** Variables to export to use the lab by hand; PATH is written with a literal `$PATH` at its end. */
  env: z.record(z.string(), z.string()),
});
export type LabState = z.output<typeof LabState>;

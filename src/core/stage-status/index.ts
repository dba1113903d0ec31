/**
 * The statuses a stage can have in `ai/state/stage_status.json` (docs/state-files.md): one list
 * for the state store that reads them and the metrics that export them.
 */
export const STAGE_STATUS_NAMES = [
  "idle",
  "running",
  "green",
  "failed",
  "give_up",
  "needs_human",
  "awaiting_approval",
] as const;
export type StageStatusName = (typeof STAGE_STATUS_NAMES)[number];

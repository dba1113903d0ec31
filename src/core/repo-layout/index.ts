/**
 * Every path the tool reads or writes under a homelab repo's `ai/` folder, and every timestamp it
 * puts in a file name, in one place. Paths are repo-relative with `/`; callers join them onto the
 * repo root. Nothing here touches the disk.
 */

export const AI_DIR = "ai";

/** Files the human owns (the seed's names). */
export const CONTEXT_MAP_FILE = "ai/context_map.yaml";
export const MASTER_MEMO_FILE = "ai/master_memo.md";
export const EXECUTOR_INSTRUCTIONS_FILE = "ai/executor_instructions.md";
export const BOOTSTRAP_SHIM_FILE = "ai/bootstrap_loop.sh";
export const BACKLOG_FILE = "ai/backlog.md";
export const ISSUES_FILE = "ai/issues.txt";
export const CONTEXT_MAP_SCHEMA_FILE = "ai/context_map.schema.json";

/** The tool's runtime folders; git ignores them (`.git/info/exclude`, and `init`'s `.gitignore`). */
export const STATE_DIR = "ai/state";
export const LOGS_DIR = "ai/logs";
export const ESCALATIONS_DIR = "ai/escalations";
export const PATCHES_DIR = "ai/patches";
export const WORKTREE_DIR = "ai/worktree";
export const RUNTIME_DIRS = [STATE_DIR, LOGS_DIR, ESCALATIONS_DIR, PATCHES_DIR, WORKTREE_DIR] as const;

/** The files in `ai/state/`. */
export const STATE_FILES = {
  stageStatus: "ai/state/stage_status.json",
  errors: "ai/state/errors.json",
  journal: "ai/state/journal.jsonl",
  templates: "ai/state/templates.json",
  fixes: "ai/state/fixes.json",
  lock: "ai/state/lock",
  contextMapCache: "ai/state/context_map.cache.json",
  /** What the last passing preflight depended on (a hash), so unchanged runs skip it. */
  preflight: "ai/state/preflight.pass",
  proposals: "ai/state/proposals.json",
} as const;
export type StateFileName = keyof typeof STATE_FILES;

/** A stage, fingerprint or source as one safe path segment (no `/`, no leading dot). */
export function pathSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+/, "") || "unknown";
}

/** `ai/logs/<stage>`: the stage's run logs and its executor transcripts. */
export function stageLogDir(stage: string): string {
  return `${LOGS_DIR}/${pathSegment(stage)}`;
}

/** `ai/logs/<stage>/<stage>_<YYYYMMDD-HHMMSS>_attempt<N>.log` (the seed's naming). */
export function stageLogFile(stage: string, at: Date, attempt: number): string {
  return `${stageLogDir(stage)}/${pathSegment(stage)}_${fileStamp(at)}_attempt${attempt}.log`;
}

/** `ai/state/process-groups`: the process group of each stage run in progress, to end it after a crash. */
export const PROCESS_GROUPS_DIR = `${STATE_DIR}/process-groups`;

/** `ai/state/process-groups/<stage>.json`: the running stage's process group (pgid, leader, host). */
export function processGroupRecordFile(stage: string): string {
  return `${PROCESS_GROUPS_DIR}/${pathSegment(stage)}.json`;
}

/** `ai/logs/diagnostics`: the output of every diagnostic command. */
export const DIAGNOSTICS_LOG_DIR = `${LOGS_DIR}/diagnostics`;

/** `ai/logs/worktree-leftovers`: edits found uncommitted in the AI worktree, saved before they are undone. */
export const WORKTREE_LEFTOVERS_DIR = `${LOGS_DIR}/worktree-leftovers`;

/** `ai/escalations/<stage>/<case id>`: everything one escalation sent and received. */
export function caseDir(stage: string, caseId: string): string {
  return `${ESCALATIONS_DIR}/${pathSegment(stage)}/${pathSegment(caseId)}`;
}

/** `ai/patches/<stage>`: every patch proposed for the stage, with its verdict. */
export function stagePatchesDir(stage: string): string {
  return `${PATCHES_DIR}/${pathSegment(stage)}`;
}

/**
 * `20261125-170000`: the one timestamp in file names, always UTC (a folder's files sort the
 * same whatever the machine's zone, and two runs on either side of a DST change never collide).
 */
export function fileStamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** The one timestamp inside files (state, journal, records): ISO 8601 in UTC. */
export function isoStamp(at: Date = new Date()): string {
  return at.toISOString();
}

/**
 * Where the AI worktrees live, under the user's state directory (`$XDG_STATE_HOME`, else
 * `~/.local/state`): outside every checkout, so `../` from a worktree reaches nothing of the
 * user's (it once sat at `ai/worktree`, WORKTREE_DIR, where `../../` reached every ignored file).
 */
export const AI_WORKTREES_STATE_DIR = "homelab-orchestrator/worktrees";

/** `<repo folder name>-<hash of its git folder>`: one worktree per repository, two same-named repos apart. */
export function aiWorktreeFolderName(repoFolderName: string, gitDirHash: string): string {
  return `${pathSegment(repoFolderName)}-${gitDirHash}`;
}

/** `ai/state/notify.json`: the notifier's ledger (journal read so far, keys announced, retries). */
export const NOTIFY_STATE_FILE = `${STATE_DIR}/notify.json`;

/** The last `orchestrator qualify` report, kept for `status`. */
export const QUALIFY_REPORT_FILE = `${STATE_DIR}/qualify.json`;

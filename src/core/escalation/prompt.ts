/**
 * What the model is told about edits: the system message, the edit format the case file asks
 * for, and the "why your last edit was refused" section of the next case file.
 *
 * The format asked for is SEARCH/REPLACE blocks (Aider's, Aider-AI/aider@5dc9490b
 * aider/coders/editblock_prompts.py:123: "the FULL file path alone on a line"). Measured on the corpus (`npm run bench:edits`): every
 * well-formed edit applies in every format the applier reads, but a unified diff carries line
 * numbers, counts, `a/`/`b/` prefixes and a prefix on every line that models get wrong (git apply
 * alone applied 1 of the corpus's 32 unambiguous edits), while a SEARCH/REPLACE block has only the
 * path and the exact lines, and its refusals are the ones a model can fix by quoting more lines.
 * Unified diffs, Codex patches and whole small files stay accepted.
 */
import { fence } from "../case-file/budget.ts";
import type { EditFormat, Refusal, RefusalKind } from "../edits/index.ts";

/** The system message of every escalation call; the case file (the user message) carries the rest. */
export const ESCALATION_SYSTEM_PROMPT = [
  "You are a senior site reliability engineer helping an automated orchestrator repair a homelab:",
  "Talos Linux Kubernetes on Proxmox VE, managed with GitOps (Flux). A stage of its bootstrap keeps",
  "failing and local fixes did not help. Read the case file, find the most likely cause, and answer",
  "with exactly one JSON object as its last section describes: a small edit to the repo, read-only",
  "diagnostics when you lack facts, or give_up when a human must act. Never propose destructive",
  "operations, never touch protected or secret files, and never invent file contents you have not seen:",
  "every line an edit quotes as current is copied exactly from a file shown in the case file.",
].join(" ");

export const PREFERRED_EDIT_FORMAT: EditFormat = "search-replace";

/** How to write the `patch` field; for the case file's "How to answer" section. */
export const EDIT_FORMAT_GUIDE = [
  "- `patch`: the smallest change that removes the cause, as one or more SEARCH/REPLACE blocks. Each block is the file's path (relative to the repo root) alone on a line, then `<<<<<<< SEARCH`, the exact current lines to change, `=======`, the lines that replace them, and `>>>>>>> REPLACE`:",
  "",
  fence(
    [
      "config/clusters/prox-n100.yaml",
      "<<<<<<< SEARCH",
      "  - name: cp-1",
      "    role: controlplane",
      "    storage: local-lvm",
      "=======",
      "  - name: cp-1",
      "    role: controlplane",
      "    storage: local-zfs",
      ">>>>>>> REPLACE",
    ].join("\n"),
    "text",
  ),
  "",
  "  Copy the SEARCH lines character for character from the file shown above, with their indentation, and include enough unchanged lines that they occur exactly once in the file (an edit whose lines occur in two places is refused). Write out every line you keep: a placeholder such as `# ... unchanged ...` is refused. To create a file, leave SEARCH empty. A unified diff (`--- a/PATH`, `+++ b/PATH`, `@@` hunks with unchanged context lines) is also accepted.",
].join("\n");

export type RefusedEdit = {
  /** Which call's answer was refused (1-based), for the heading. */
  call: number;
  /** Every reason, exactly as the applier or the patch guard gave it. */
  reasons: string[];
  /** The applier's structured refusals (empty when the patch guard refused the canonical diff). */
  refusals: Refusal[];
  /** Current text at the branch tip of each path `filesToQuote` named; undefined when absent. */
  files: Record<string, string | undefined>;
};

/** Paths whose current text the refusal section quotes; the caller reads them at the branch tip. */
export function filesToQuote(refusals: Refusal[]): string[] {
  return [
    ...new Set(
      refusals.flatMap((refusal) =>
        refusal.path !== undefined && refusal.regions?.length ? [refusal.path] : [],
      ),
    ),
  ];
}

const AROUND = 3;
const MAX_QUOTED_LINES = 40;
const MAX_REGIONS_PER_FILE = 3;

const ADVICE: Record<RefusalKind, string> = {
  format: "Send SEARCH/REPLACE blocks as shown below.",
  hostile: "Name files by their path relative to the repo root, inside the repository, and send text only.",
  ambiguous:
    "The lines you quoted occur in more than one place (numbered below). Quote more unchanged lines around the one you mean, such as the `name:` line of its entry, so that SEARCH occurs exactly once.",
  "not-found": "Copy the SEARCH lines character for character from the current text below.",
  elision: "Write out every line you keep; placeholders are never applied.",
  conflict: "Merge the blocks that change the same lines into one block.",
  missing:
    "That file does not exist on the AI branch; edit a file the case file shows, or create it with an empty SEARCH.",
  exists: "That file already exists; change it with a SEARCH/REPLACE block that quotes the lines to change.",
  "too-large": "Send SEARCH/REPLACE blocks for the lines you change instead of the whole file.",
  "no-op":
    "The change is already in the file, so it cannot be what fixes this error; look for the cause elsewhere.",
};

/**
 * The "why your last edit was refused" section of the next case file: the exact reasons, the
 * current text of the affected lines with their numbers, and the format that works. Pure; the
 * case file (and with it this section) passes the redactor before it is written or sent.
 */
export function refusedEditSection(refused: RefusedEdit): string {
  const lines = [`## Your edit in answer ${refused.call} was refused, and nothing was changed`, ""];
  for (const reason of refused.reasons) {
    lines.push(`- ${reason}`);
  }
  const kinds = [...new Set(refused.refusals.map((refusal) => refusal.kind))];
  for (const kind of kinds) {
    lines.push("", ADVICE[kind]);
  }
  if (kinds.length === 0) {
    lines.push(
      "",
      "The patch guard refused the change itself: change something else, or give_up if only a human can.",
    );
  }
  for (const path of filesToQuote(refused.refusals)) {
    const text = refused.files[path];
    if (text === undefined) {
      continue;
    }
    const regions = refused.refusals
      .filter((refusal) => refusal.path === path)
      .flatMap((refusal) => refusal.regions ?? [])
      .slice(0, MAX_REGIONS_PER_FILE);
    for (const region of regions) {
      lines.push("", ...quoteRegion(path, text, region.start, region.end));
    }
  }
  lines.push("", "The format that applies:", "", EDIT_FORMAT_GUIDE);
  return lines.join("\n");
}

function quoteRegion(path: string, text: string, start: number, end: number): string[] {
  const fileLines = text.replace(/\r?\n$/, "").split(/\r?\n/);
  const from = Math.max(1, start - AROUND);
  const to = Math.min(fileLines.length, end + AROUND, from + MAX_QUOTED_LINES - 1);
  const width = String(to).length;
  const numbered = fileLines
    .slice(from - 1, to)
    .map((line, index) => `${String(from + index).padStart(width)} | ${line}`)
    .join("\n");
  return [
    `Current text of \`${path}\`, lines ${from}-${to} (the numbers and \`|\` are not part of the file):`,
    "",
    fence(numbered, "text"),
  ];
}

/**
 * The story of a stage's last episode, in plain words, from the journal: what ran, what failed
 * and how often, what was tried (retries, executors, remembered fixes, model calls, patches,
 * reverts) and where it ended. Pure: the caller reads the journal.
 */

export interface JournalEntry {
  at: string;
  type: string;
  stage?: string;
  [field: string]: unknown;
}

/** Events from the last episode: after the stage's last green or reset, up to now. */
export function lastEpisode(entries: readonly JournalEntry[], stage: string): JournalEntry[] {
  const ofStage = entries.filter((entry) => entry.stage === stage);
  let start = 0;
  for (let index = ofStage.length - 1; index >= 0; index--) {
    const entry = ofStage[index];
    const endsEpisode = entry?.type === "reset" || (entry?.type === "stage_run" && entry["green"] === true);
    if (endsEpisode && index < ofStage.length - 1) {
      start = index + 1;
      break;
    }
    if (endsEpisode && index === ofStage.length - 1 && entry?.type === "stage_run") {
      // A green run closes the episode it belongs to: tell that one.
      for (let back = index - 1; back >= 0; back--) {
        const earlier = ofStage[back];
        if (earlier?.type === "reset" || (earlier?.type === "stage_run" && earlier["green"] === true)) {
          start = back + 1;
          break;
        }
      }
      break;
    }
  }
  return ofStage.slice(start);
}

export function explainEpisode(stage: string, episode: readonly JournalEntry[]): string {
  if (episode.length === 0) {
    return `${stage}: nothing has happened yet in this stage's current episode (no runs since the last green or reset).\n`;
  }
  const lines: string[] = [];
  const first = episode[0];
  lines.push(`${stage}: the story since ${time(first?.at)}`);
  let runs = 0;
  for (const entry of episode) {
    const text = sentence(entry, () => ++runs);
    if (text) {
      lines.push(`- ${time(entry.at)} ${text}`);
    }
  }
  const last = episode.at(-1);
  lines.push("", ending(stage, episode, last));
  return `${lines.join("\n")}\n`;
}

function sentence(entry: JournalEntry, nextRun: () => number): string | undefined {
  const field = (name: string) => (entry[name] === undefined ? "" : String(entry[name]));
  switch (entry.type) {
    case "stage_run": {
      const run = nextRun();
      return entry["green"] === true
        ? `run ${run} passed: the command exited 0 and every success check passed (${field("logFile")}).`
        : `run ${run} failed: ${field("summary")} (${field("logFile")}).`;
    }
    case "decision":
      return `error ${field("fingerprint")}: ${field("reason")}.`;
    case "retry_wait":
      return `waited ${Math.round(Number(entry["ms"]) / 1000)}s before retrying.`;
    case "executor_run":
      return `the ${field("executor")} executor: ${field("summary")}.`;
    case "api_call":
      return `asked the model (${field("model")}, ${field("requests")} request(s)); it answered with ${field("answer")}.`;
    case "case_file_written":
      return `wrote a case file for a human to ${field("caseDir")} (no API configured).`;
    case "patch_applied":
      return `committed ${field("commit").slice(0, 10)} on the AI branch (source: ${field("source")}).`;
    case "patch_refused":
      return `refused a patch from ${field("source")}: ${(entry["reasons"] as string[] | undefined)?.join("; ") ?? ""}.`;
    case "patch_reverted":
      return `reverted ${field("commit").slice(0, 10)}: ${field("reason")}.`;
    case "patch_kept":
      return `kept ${field("commit").slice(0, 10)}: ${field("reason")}.`;
    case "patch_verified":
      return `${field("commit").slice(0, 10)} made the stage green; it is remembered as a verified fix.`;
    case "fix_replayed":
      return `replayed a remembered fix (${field("fixId")}): ${field("summary")}.`;
    case "give_up":
      return `gave up: ${field("reason")}.`;
    case "drift":
      return `the stage had been green, but check "${field("check")}" now fails (${field("detail")}): running it again.`;
    case "reset":
      return "a human reset the stage.";
    default:
      return undefined;
  }
}

function ending(stage: string, episode: readonly JournalEntry[], last: JournalEntry | undefined): string {
  const gaveUp = [...episode].reverse().find((entry) => entry.type === "give_up");
  if (last?.type === "stage_run" && last["green"] === true) {
    return `Where it stands: green.`;
  }
  if (gaveUp) {
    const caseDir = gaveUp["caseDir"] ? ` The case file is in ${String(gaveUp["caseDir"])}.` : "";
    return `Where it stands: give_up — ${String(gaveUp["reason"])}.${caseDir} Fix the cause by hand, then run "orchestrator ${stage} --reset".`;
  }
  return `Where it stands: not green yet; run "orchestrator ${stage}" to continue.`;
}

function time(at: unknown): string {
  return typeof at === "string" ? at.replace("T", " ").slice(0, 19) : "?";
}

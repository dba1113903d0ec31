/**
 * The story of a stage's last episode, in plain words, from the journal: what ran, what failed
 * and how often, what was tried (retries, executors, remembered fixes, model calls, patches,
 * reverts) and where it ended. Pure: the caller reads the journal. Every event type of the
 * journal union is handled (the switch is exhaustive), so a new event cannot go untold.
 */
import { type JournalRecord, stageEvents } from "../journal/index.ts";
import { stripControls } from "../text/index.ts";

/** An event that closes an episode: the stage went green, or a human reset it. */
function endsEpisode(record: JournalRecord): boolean {
  return record.type === "stage_green" || record.type === "reset";
}

/**
 * Events of the stage's last episode: from after the previous green or reset up to the last
 * event. When the last event itself closes an episode (green), that whole episode is told.
 */
export function lastEpisode(records: readonly JournalRecord[], stage: string): JournalRecord[] {
  const events = stageEvents(records, stage);
  const lastIndex = events.length - 1;
  const searchFrom = events[lastIndex] && endsEpisode(events[lastIndex]) ? lastIndex - 1 : lastIndex;
  for (let index = searchFrom; index >= 0; index--) {
    const event = events[index];
    if (event && endsEpisode(event)) {
      return events.slice(index + 1);
    }
  }
  return events;
}

export function explainEpisode(stage: string, episode: readonly JournalRecord[]): string {
  if (episode.length === 0) {
    return `${stage}: nothing has happened yet in this stage's current episode (no runs since the last green or reset).\n`;
  }
  const lines: string[] = [`${stage}: the story since ${time(episode[0]?.at)}`];
  let runs = 0;
  for (const event of episode) {
    const text = sentence(event, () => ++runs);
    if (text) {
      lines.push(`- ${time(event.at)} ${text}`);
    }
  }
  lines.push("", ending(stage, episode));
  return `${lines.join("\n")}\n`;
}

function sentence(event: JournalRecord, nextRun: () => number): string | undefined {
  switch (event.type) {
    case "stage_run": {
      const run = nextRun();
      return event.green
        ? `run ${run} passed: the command exited 0 and every success check passed (${event.logFile}).`
        : `run ${run} failed: ${event.summary} (${event.logFile}).`;
    }
    case "orphan_ended":
      return `ended process group ${event.pgid} ("${event.command}", started ${event.startedAt}) that a killed earlier run left running (${event.signal}).`;
    case "stage_green":
      return `the stage is green after ${event.runs} run${event.runs === 1 ? "" : "s"} in this episode.`;
    case "decision":
      return `error ${event.fingerprint}: ${event.reason}.${quoted(event.lines ?? [])}`;
    case "retry_wait":
      return `waited ${Math.round(event.ms / 1000)}s before retrying.`;
    case "executor_run":
      return `the ${event.executor} executor ran${event.apiRequests > 0 ? ` (${event.apiRequests} local model request${event.apiRequests === 1 ? "" : "s"})` : ""}: ${event.summary}.`;
    case "fix_replayed":
      return `replayed the remembered fix ${event.fixId} before asking anyone: ${event.summary}.`;
    case "fix_demoted":
      return `the remembered fix ${event.fixId} counted one failure: ${event.reason}.`;
    case "api_call":
      if (event.answer === "failed") {
        return `the model call brought no answer (${event.requests} paid request${event.requests === 1 ? "" : "s"}): ${event.reason ?? "no reason recorded"}.`;
      }
      return `asked the model (${event.model}, ${event.requests} request${event.requests === 1 ? "" : "s"}, ${event.usage.inputTokens + event.usage.outputTokens} tokens); it answered with ${event.answer} (${event.caseDir}).`;
    case "case_file_written":
      return `wrote a case file for a human to ${event.caseDir} (no API configured).`;
    case "patch_applied":
      return `committed ${event.commit.slice(0, 10)} on the AI branch (source: ${event.source}): ${event.summary}.`;
    case "patch_refused":
      return `refused a patch from ${event.source}: ${event.reasons.join("; ")}.`;
    case "patch_reverted":
      return event.by === "human"
        ? `a human reverted ${event.commit.slice(0, 10)}: ${event.reason}.`
        : `reverted ${event.commit.slice(0, 10)}: ${event.reason}.`;
    case "patch_kept":
      return `kept ${event.commit.slice(0, 10)}: ${event.reason}.`;
    case "patch_verified":
      return event.fixId === undefined
        ? `${event.commit.slice(0, 10)} (source: ${event.source}) made the stage green; it is remembered as a verified fix.`
        : `${event.commit.slice(0, 10)}, the remembered fix ${event.fixId} replayed, made the stage green again.`;
    case "human_fix_remembered":
      return `the human's own commits since the give_up are remembered as fix ${event.fixId}.`;
    case "give_up":
      return `gave up: ${event.reason}.`;
    case "needs_human":
      return `stopped for a human: ${event.reason}${quoted(event.lines)}`;
    case "drift":
      return `the stage had been green, but check "${event.check}" now fails (${event.detail}): running it again.`;
    case "stage_files_changed":
      return `the stage had been green at ${event.since.slice(0, 10)}, but its files changed since (${event.files.join(", ")})${event.for ? `, by a fix for ${event.for}` : ""}: running it again${event.for ? ` before ${event.for}` : ""}.`;
    case "delivery_proposed":
      return `pushed ${event.commit.slice(0, 10)} to the remote Flux syncs from and opened pull request #${event.pull} (${event.url}; approval: ${event.approval}).`;
    case "delivery_merged":
      return `pull request #${event.pull} was merged${event.by === "human" ? " by a human" : " through the forge's API"}: Flux can now apply the fix.`;
    case "reset":
      return `a human reset the stage${event.previous ? ` (it was ${event.previous})` : ""}.`;
    case "fix_proposed":
      return `proposed ${event.commit.slice(0, 10)} (source: ${event.source}) instead of running the stage with it: it waits for "orchestrator approve ${event.id}" or "orchestrator reject ${event.id}".${
        event.switchOffs && event.switchOffs.length > 0
          ? ` It switches off what the stage delivers or verifies, so only a human may let it run: ${event.switchOffs.map(stripControls).join("; ")}.`
          : ""
      }`;
    case "fix_approved":
      return `a human approved proposal ${event.id} (${event.commit.slice(0, 10)}): the stage runs with it.`;
    case "fix_rejected":
      return `a human rejected proposal ${event.id} (${event.commit.slice(0, 10)}): it is reverted and never offered again for error ${event.fingerprint}.`;
    case "run_started":
    case "run_finished":
    case "converge_pass":
    case "lock_taken_over":
    case "worktree_leftovers_set_aside":
    case "state_file_set_aside":
    case "ai_branch_synced":
    case "notification_failed":
      // Not about one stage: never in a stage's episode.
      return undefined;
    default:
      return unreachable(event);
  }
}

/** Lines of the log quoted under a sentence, as a mail quotes. */
function quoted(lines: readonly string[]): string {
  return lines.length > 0 ? `\n    > ${lines.map(stripControls).join("\n    > ")}` : "";
}

function ending(stage: string, episode: readonly JournalRecord[]): string {
  const last = episode.at(-1);
  if (last?.type === "stage_green") {
    return "Where it stands: green.";
  }
  if (last?.type === "reset") {
    return `Where it stands: reset by a human; run "orchestrator ${stage}" to start again.`;
  }
  if (last?.type === "needs_human") {
    return `Where it stands: needs_human — ${last.reason}. Fix the configuration, then run "orchestrator ${stage}" again.`;
  }
  if (last?.type === "fix_proposed") {
    return `Where it stands: awaiting_approval — run "orchestrator approve ${last.id}" to run the stage with the fix, or "orchestrator reject ${last.id}".`;
  }
  const gaveUp = [...episode].reverse().find((event) => event.type === "give_up");
  if (gaveUp?.type === "give_up") {
    const caseDir = gaveUp.caseDir ? ` The case file is in ${gaveUp.caseDir}.` : "";
    return `Where it stands: give_up — ${gaveUp.reason}.${caseDir} Fix the cause by hand, then run "orchestrator ${stage} --reset".`;
  }
  return `Where it stands: not green yet; run "orchestrator ${stage}" to continue.`;
}

function time(at: string | undefined): string {
  return at === undefined ? "?" : at.replace("T", " ").slice(0, 19);
}

function unreachable(event: never): undefined {
  void event;
  return undefined;
}

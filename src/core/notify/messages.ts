/**
 * Journal events → the notifications a person wants: one per thing that needs them or changed
 * something, never one per run. Pure: the caller reads the journal. Events are read by their
 * `type` and fields, so an event another part of the tool adds later (`fix_proposed`) is picked
 * up without this module importing its type.
 */

export type NotifyEventKind =
  | "give_up"
  | "needs_human"
  | "fix_applied"
  | "fix_proposed"
  | "fix_replayed"
  | "drift"
  | "recovered"
  /** The rate limit held some back: one message counts them (sent to every target). */
  | "held_back";

export interface Notification {
  kind: NotifyEventKind;
  stage: string;
  /**
   * What makes this notification the same as an earlier one: a second event with the same key
   * is not sent again until the stage recovers or a human resets it.
   */
  key: string;
  title: string;
  body: string;
  /** high: a human must act; default: the tool changed something; low: good news. */
  urgency: "high" | "default" | "low";
  at: string;
}

/** A journal line as read: its type, when, and whatever fields it carries. */
export type JournalLine = { type: string; at: string } & Record<string, unknown>;

function text(fields: JournalLine, name: string): string | undefined {
  const value = fields[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function short(commit: string | undefined): string {
  return commit ? commit.slice(0, 10) : "?";
}

/** The notification one journal line calls for, or undefined when it calls for none. */
export function notificationFor(line: JournalLine): Notification | undefined {
  const stage = text(line, "stage");
  if (stage === undefined) {
    return undefined;
  }
  const base = { stage, at: line.at };
  switch (line.type) {
    case "give_up": {
      const fingerprint = text(line, "fingerprint") ?? "unknown";
      const caseDir = text(line, "caseDir");
      return {
        ...base,
        kind: "give_up",
        key: `give_up:${stage}:${fingerprint}`,
        title: `${stage} gave up`,
        body:
          `${text(line, "reason") ?? "no reason recorded"}.` +
          (caseDir ? ` The case file is in ${caseDir}.` : "") +
          ` Fix the cause by hand, then run: orchestrator ${stage} --reset`,
        urgency: "high",
      };
    }
    case "needs_human": {
      const reason = text(line, "reason") ?? "the stage said its configuration is wrong";
      return {
        ...base,
        kind: "needs_human",
        key: `needs_human:${stage}:${reason}`,
        title: `${stage} needs a human`,
        body: `${reason}. Fix the configuration, then run: orchestrator ${stage}`,
        urgency: "high",
      };
    }
    case "patch_applied": {
      const commit = text(line, "commit");
      return {
        ...base,
        kind: "fix_applied",
        key: `fix_applied:${stage}:${commit ?? line.at}`,
        title: `${stage}: fix applied`,
        body: `Committed ${short(commit)} on the AI branch (source: ${text(line, "source") ?? "?"}): ${text(line, "summary") ?? ""}. See: orchestrator patches --stage ${stage}`,
        urgency: "default",
      };
    }
    case "fix_replayed": {
      if (line["outcome"] !== "patched") {
        return undefined;
      }
      const fixId = text(line, "fixId") ?? "?";
      return {
        ...base,
        kind: "fix_replayed",
        key: `fix_replayed:${stage}:${fixId}`,
        title: `${stage}: remembered fix replayed`,
        body: `Replayed the remembered fix ${fixId}: ${text(line, "summary") ?? ""}.`,
        urgency: "default",
      };
    }
    case "fix_proposed": {
      const id = text(line, "id") ?? text(line, "proposalId") ?? text(line, "commit") ?? "?";
      const summary = text(line, "summary");
      return {
        ...base,
        kind: "fix_proposed",
        key: `fix_proposed:${stage}:${id}`,
        title: `${stage}: fix proposed, waiting for approval`,
        body:
          `${summary ? `${summary}. ` : ""}To apply it: orchestrator approve ${id}` +
          ` — to refuse it: orchestrator reject ${id}`,
        urgency: "high",
      };
    }
    case "drift": {
      const check = text(line, "check") ?? "?";
      return {
        ...base,
        kind: "drift",
        key: `drift:${stage}:${check}`,
        title: `${stage} drifted`,
        body: `The stage had been green, but check "${check}" now fails (${text(line, "detail") ?? ""}): running it again.`,
        urgency: "default",
      };
    }
    default:
      return undefined;
  }
}

/** Stage events that end a problem: after them the stage's keys may notify again. */
export function closesProblems(line: JournalLine): "recovered" | "reset" | undefined {
  if (line.type === "stage_green") {
    return "recovered";
  }
  return line.type === "reset" ? "reset" : undefined;
}

export function recoveredNotification(stage: string, at: string, problems: number): Notification {
  return {
    kind: "recovered",
    stage,
    key: `recovered:${stage}:${at}`,
    title: `${stage} recovered`,
    body: `${stage} is green again (${problems} earlier notification${problems === 1 ? "" : "s"} about it). See: orchestrator explain ${stage}`,
    urgency: "low",
    at,
  };
}

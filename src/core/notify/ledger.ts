/**
 * What the notifier remembers between passes (`ai/state/notify.json`): how far it has read the
 * journal, which keys it has already announced, its rate window, and deliveries waiting for a
 * retry. Pure: every function takes the ledger and the time and returns the next ledger.
 */
import {
  closesProblems,
  type JournalLine,
  type Notification,
  type NotifyEventKind,
  notificationFor,
  recoveredNotification,
} from "./messages.ts";

export interface PendingDelivery {
  target: string;
  notification: Notification;
  /** Failed attempts so far. */
  attempts: number;
  /** ISO time of the next try. */
  nextAt: string;
  lastError: string;
}

export interface NotifyLedger {
  version: 1;
  /** Bytes of ai/state/journal.jsonl already read. */
  journalOffset: number;
  /** Keys announced and not yet closed by the stage recovering or a reset. */
  sent: Record<string, { stage: string; at: string }>;
  /** ISO times of the notifications sent in the current rate window. */
  window: string[];
  /** Notifications held back by the rate limit since the last summary. */
  suppressed: number;
  outbox: PendingDelivery[];
}

export interface RateLimit {
  messages: number;
  perMs: number;
}

/** A storm (a flapping stage, a bad night) sends at most this much; the rest is summed up. */
export const DEFAULT_RATE_LIMIT: RateLimit = { messages: 6, perMs: 10 * 60_000 };
/** A delivery is tried this often (first + retries) before it is dropped and journaled. */
export const MAX_DELIVERY_ATTEMPTS = 6;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 30 * 60_000;

export function newLedger(journalOffset: number): NotifyLedger {
  return { version: 1, journalOffset, sent: {}, window: [], suppressed: 0, outbox: [] };
}

export interface TargetFilter {
  name: string;
  /** Undefined: every kind. */
  events?: readonly NotifyEventKind[];
}

export interface Planned {
  ledger: NotifyLedger;
  /** What to send now, to whom: new notifications and retries that are due. */
  deliveries: { target: string; notification: Notification; attempts: number }[];
}

/**
 * Turns the journal lines written since the last read into deliveries: each key once until its
 * stage recovers (which itself notifies) or is reset; at most `limit.messages` per window, the
 * rest counted and announced in one summary when the window has room again.
 */
export function planDeliveries(
  ledger: NotifyLedger,
  lines: readonly JournalLine[],
  now: Date,
  targets: readonly TargetFilter[],
  limit: RateLimit = DEFAULT_RATE_LIMIT,
): Planned {
  const sent = { ...ledger.sent };
  const fresh: Notification[] = [];
  for (const line of lines) {
    const closing = closesProblems(line);
    if (closing !== undefined) {
      const stage = typeof line["stage"] === "string" ? line["stage"] : undefined;
      const open = Object.keys(sent).filter((key) => sent[key]?.stage === stage);
      for (const key of open) {
        delete sent[key];
      }
      if (stage !== undefined && closing === "recovered" && open.length > 0) {
        fresh.push(recoveredNotification(stage, line.at, open.length));
      }
      continue;
    }
    const notification = notificationFor(line);
    if (notification === undefined || notification.key in sent) {
      continue;
    }
    sent[notification.key] = { stage: notification.stage, at: notification.at };
    fresh.push(notification);
  }

  const nowMs = now.getTime();
  const window = ledger.window.filter((at) => nowMs - Date.parse(at) < limit.perMs);
  let suppressed = ledger.suppressed;
  const admitted: Notification[] = [];
  const room = () => limit.messages - window.length - admitted.length;
  if (suppressed > 0 && room() > 0) {
    admitted.push(summaryNotification(suppressed, limit, now));
    suppressed = 0;
  }
  for (const notification of fresh) {
    if (room() > 0) {
      admitted.push(notification);
    } else {
      suppressed++;
    }
  }
  const stamp = now.toISOString();
  const deliveries: Planned["deliveries"] = [];
  for (const notification of admitted) {
    window.push(stamp);
    for (const target of targets) {
      const everyone = notification.kind === "held_back";
      if (everyone || target.events === undefined || target.events.includes(notification.kind)) {
        deliveries.push({ target: target.name, notification, attempts: 0 });
      }
    }
  }
  const due = ledger.outbox.filter((pending) => Date.parse(pending.nextAt) <= nowMs);
  const waiting = ledger.outbox.filter((pending) => Date.parse(pending.nextAt) > nowMs);
  for (const pending of due) {
    deliveries.push({
      target: pending.target,
      notification: pending.notification,
      attempts: pending.attempts,
    });
  }
  return { ledger: { ...ledger, sent, window, suppressed, outbox: waiting }, deliveries };
}

/** After a failed delivery: back in the outbox with a longer wait, or dropped after the last try. */
export function deliveryFailed(
  ledger: NotifyLedger,
  delivery: Planned["deliveries"][number],
  error: string,
  now: Date,
): { ledger: NotifyLedger; retryAt?: string; attempts: number } {
  const attempts = delivery.attempts + 1;
  if (attempts >= MAX_DELIVERY_ATTEMPTS) {
    return { ledger, attempts };
  }
  const retryAt = new Date(now.getTime() + retryDelayMs(attempts)).toISOString();
  const pending: PendingDelivery = { ...delivery, attempts, nextAt: retryAt, lastError: error };
  return { ledger: { ...ledger, outbox: [...ledger.outbox, pending] }, retryAt, attempts };
}

/** 30 s, 1 min, 2 min, … up to 30 min. */
export function retryDelayMs(attempts: number): number {
  return Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

function summaryNotification(count: number, limit: RateLimit, now: Date): Notification {
  const minutes = Math.round(limit.perMs / 60_000);
  return {
    kind: "held_back",
    stage: "orchestrator",
    key: `suppressed:${now.toISOString()}`,
    title: `${count} more notification${count === 1 ? "" : "s"} held back`,
    body: `More than ${limit.messages} notifications in ${minutes} minutes: ${count} were not sent. See: orchestrator status`,
    urgency: "default",
    at: now.toISOString(),
  };
}

/** A ledger read from disk, checked field by field; anything else starts afresh at `fallbackOffset`. */
export function readLedger(value: unknown, fallbackOffset: number): NotifyLedger {
  if (typeof value !== "object" || value === null) {
    return newLedger(fallbackOffset);
  }
  const fields = value as Record<string, unknown>;
  if (fields["version"] !== 1 || typeof fields["journalOffset"] !== "number") {
    return newLedger(fallbackOffset);
  }
  const sent = typeof fields["sent"] === "object" && fields["sent"] !== null ? fields["sent"] : {};
  return {
    version: 1,
    journalOffset: fields["journalOffset"],
    sent: sent as NotifyLedger["sent"],
    window: Array.isArray(fields["window"]) ? fields["window"].filter((at) => typeof at === "string") : [],
    suppressed: typeof fields["suppressed"] === "number" ? fields["suppressed"] : 0,
    outbox: Array.isArray(fields["outbox"]) ? (fields["outbox"] as PendingDelivery[]) : [],
  };
}

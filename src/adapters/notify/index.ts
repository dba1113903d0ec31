import { join } from "node:path";
import type { NotifyTarget } from "../../config/schema.ts";
import type { JournalEvent } from "../../core/journal/index.ts";
import {
  deliveryFailed,
  type NotifyLedger,
  newLedger,
  planDeliveries,
  type RateLimit,
  readLedger,
  requestFor,
} from "../../core/notify/index.ts";
import { NOTIFY_STATE_FILE, STATE_FILES } from "../../core/repo-layout/index.ts";
import { readIfExists, writeFileAtomic } from "../state-store/atomic-file.ts";
import { journalSize, readJournalFrom } from "./journal-lines.ts";
import { resolveTarget, targetName } from "./target-secrets.ts";

export interface NotifierDeps {
  repoRoot: string;
  targets: readonly NotifyTarget[];
  env: Readonly<Record<string, string | undefined>>;
  /** Every title and body passes this before it leaves the machine. */
  redact(text: string): Promise<string>;
  journal(event: JournalEvent): Promise<void>;
  /** One line for the terminal or the service's log. */
  log(line: string): void;
  now?: () => Date;
  timeoutMs?: number;
  rateLimit?: RateLimit;
}

export interface Notifier {
  /**
   * Reads the journal written since the last flush and delivers what it calls for. Never throws:
   * a failed delivery is logged, journaled and retried later; flushes run one at a time.
   */
  flush(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Undefined when the context map names no target. */
export function createNotifier(deps: NotifierDeps): Notifier | undefined {
  if (deps.targets.length === 0) {
    return undefined;
  }
  const now = deps.now ?? (() => new Date());
  const ledgerPath = join(deps.repoRoot, NOTIFY_STATE_FILE);
  const journalPath = join(deps.repoRoot, STATE_FILES.journal);
  const byName = new Map(deps.targets.map((target, index) => [targetName(target, index), target]));
  let chain: Promise<void> = Promise.resolve();

  async function loadLedger(): Promise<NotifyLedger> {
    const text = await readIfExists(ledgerPath);
    // A first start reads from the journal's current end: history is not announced.
    const end = await journalSize(journalPath);
    if (text === undefined) {
      return newLedger(end);
    }
    try {
      return readLedger(JSON.parse(text), end);
    } catch {
      deps.log(`notifications: ${NOTIFY_STATE_FILE} could not be read; starting from the journal's end`);
      return newLedger(end);
    }
  }

  async function deliver(
    name: string,
    kind: NotifyTarget["kind"],
    notification: Parameters<typeof requestFor>[2],
  ) {
    const target = byName.get(name);
    if (!target) {
      throw new Error(`target "${name}" is no longer in ai/context_map.yaml`);
    }
    const resolved = await resolveTarget(target, deps.repoRoot, deps.env);
    const request = requestFor(kind, resolved, {
      ...notification,
      title: await deps.redact(notification.title),
      body: await deps.redact(notification.body),
    });
    try {
      const response = await fetch(request.url, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
      }
    } catch (error) {
      // Never the URL or token: a webhook URL is itself the credential.
      throw new Error(describeFailure(error, [resolved.url, resolved.token ?? ""]));
    }
  }

  async function flushOnce(): Promise<void> {
    let ledger = await loadLedger();
    const { lines, nextOffset } = await readJournalFrom(journalPath, ledger.journalOffset);
    const filters = deps.targets.map((target, index) => ({
      name: targetName(target, index),
      ...(target.events ? { events: target.events } : {}),
    }));
    const planned = planDeliveries(
      { ...ledger, journalOffset: nextOffset },
      lines,
      now(),
      filters,
      deps.rateLimit,
    );
    ledger = planned.ledger;
    for (const delivery of planned.deliveries) {
      const target = byName.get(delivery.target);
      try {
        await deliver(delivery.target, target?.kind ?? "webhook", delivery.notification);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const failed = deliveryFailed(ledger, delivery, message, now());
        ledger = failed.ledger;
        deps.log(
          `notifications: "${delivery.target}" did not take "${delivery.notification.title}" (try ${failed.attempts}): ${message}` +
            (failed.retryAt ? `; trying again after ${failed.retryAt}` : "; dropped after the last try"),
        );
        await deps.journal({
          type: "notification_failed",
          target: delivery.target,
          key: delivery.notification.key,
          attempts: failed.attempts,
          error: message,
          ...(failed.retryAt ? { retryAt: failed.retryAt } : {}),
        });
      }
    }
    await writeFileAtomic(ledgerPath, `${JSON.stringify(ledger, null, 2)}\n`);
  }

  return {
    flush() {
      chain = chain.then(flushOnce).catch((error: unknown) => {
        deps.log(`notifications: ${error instanceof Error ? error.message : String(error)}`);
      });
      return chain;
    },
  };
}

function describeFailure(error: unknown, secrets: string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (error instanceof Error && error.name === "TimeoutError") {
    text = "no answer in time";
  } else if (cause?.code) {
    text = `${text} (${cause.code})`;
  }
  for (const secret of secrets) {
    if (secret.length > 0) {
      text = text.replaceAll(secret, "<target url>");
    }
  }
  return text;
}

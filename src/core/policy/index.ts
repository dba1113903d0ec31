/**
 * The loop's decision, as a pure function of what is known after a stage run.
 * Order: green → done; a verified fix not yet tried this episode → replay it;
 * below the retry threshold → the local executor, or a plain retry with backoff when there is none;
 * at the threshold → escalate while API calls remain; otherwise give_up. Every action carries a reason.
 */

export interface PolicySettings {
  executorRetryThreshold: number;
  apiCallBudget: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

export interface StageFacts {
  /** Runs that ended in the current fingerprint, this one included. */
  attempts: number;
  executorAvailable: boolean;
  /** A remembered fix for this fingerprint not yet replayed in this episode. */
  untriedFixId: string | undefined;
  apiConfigured: boolean;
  /** API calls already spent on this fingerprint. */
  apiCallsUsed: number;
  /** Set when the model itself answered give_up for this fingerprint. */
  modelGaveUp: string | undefined;
}

export type RunOutcome =
  | { kind: "green" }
  | { kind: "failed"; fingerprint: string }
  | { kind: "interrupted"; reason: string };

export type Action =
  | { kind: "done"; reason: string }
  | { kind: "stop"; reason: string }
  | { kind: "replay_fix"; fixId: string; reason: string }
  | { kind: "executor"; reason: string }
  | { kind: "retry"; afterMs: number; reason: string }
  | { kind: "escalate"; reason: string }
  | { kind: "give_up"; reason: string };

export function decide(facts: StageFacts, outcome: RunOutcome, settings: PolicySettings): Action {
  if (outcome.kind === "green") {
    return { kind: "done", reason: "the command exited 0 and every success check passed" };
  }
  if (outcome.kind === "interrupted") {
    return { kind: "stop", reason: outcome.reason };
  }
  const { attempts } = facts;
  const threshold = settings.executorRetryThreshold;
  if (facts.untriedFixId !== undefined) {
    return {
      kind: "replay_fix",
      fixId: facts.untriedFixId,
      reason: `error ${outcome.fingerprint} was fixed before; replaying that fix first`,
    };
  }
  if (facts.modelGaveUp !== undefined) {
    return { kind: "give_up", reason: `the model gave up: ${facts.modelGaveUp}` };
  }
  if (attempts < threshold) {
    if (facts.executorAvailable) {
      return {
        kind: "executor",
        reason: `attempt ${attempts} of ${threshold} for this error: asking the local executor`,
      };
    }
    const afterMs = backoff(attempts, settings);
    return {
      kind: "retry",
      afterMs,
      reason: `attempt ${attempts} of ${threshold} for this error and no executor configured: plain retry`,
    };
  }
  if (!facts.apiConfigured) {
    return {
      kind: "give_up",
      reason: `failed ${times(attempts)} with the same error and no API configured (set OPENAI_API_KEY to escalate)`,
    };
  }
  if (facts.apiCallsUsed < settings.apiCallBudget) {
    return {
      kind: "escalate",
      reason: `failed ${times(attempts)} with the same error: escalating (${facts.apiCallsUsed} of ${settings.apiCallBudget} API calls used)`,
    };
  }
  return {
    kind: "give_up",
    reason: `the error persists after ${facts.apiCallsUsed} API call${facts.apiCallsUsed === 1 ? "" : "s"} (budget ${settings.apiCallBudget})`,
  };
}

/** Doubles from the base per attempt, capped; a base of 0 means no waiting. */
export function backoff(
  attempt: number,
  settings: Pick<PolicySettings, "retryBackoffMs" | "retryBackoffMaxMs">,
): number {
  if (settings.retryBackoffMs <= 0) {
    return 0;
  }
  const exponent = Math.max(0, Math.min(attempt - 1, 20));
  return Math.min(settings.retryBackoffMs * 2 ** exponent, settings.retryBackoffMaxMs);
}

function times(count: number): string {
  return count === 1 ? "once" : `${count} times`;
}

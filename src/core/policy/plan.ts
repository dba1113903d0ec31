/**
 * `orchestrator plan`: what a run of a stage would do now, as a pure function of what is known
 * without running anything — its status, its success checks (run read-only by the caller), the
 * remembered fix for its current error and any proposal awaiting approval. It follows what
 * `convergeAll` and `convergeStage` do, so the plan and the next run agree.
 */

export type PlanAction =
  /** Green and its checks still pass: a run skips it. */
  | "nothing"
  /** A run would run the stage's command. */
  | "run"
  /** A run would run the stage and, on the same error, replay a remembered fix. */
  | "replay_fix"
  /** A proposed fix waits for `orchestrator approve ID` or `reject ID`. */
  | "awaiting_approval"
  /** The stage gave up or needs a human: a run does nothing until `--reset`. */
  | "needs_human"
  /** A run is under way now. */
  | "running"
  /** No command configured: a run skips it. */
  | "not_configured"
  /** An earlier stage stops a run of all stages before this one is reached. */
  | "blocked";

export interface PlanFacts {
  configured: boolean;
  /** The stage's recorded status, or undefined when it never ran. */
  status: string | undefined;
  /** The status's reason, when one was recorded. */
  statusReason: string | undefined;
  /** Success checks as run now; undefined when they were not run (the stage is not green). */
  checks: { name: string; passed: boolean; detail: string }[] | undefined;
  /** How many success checks the stage has. */
  checkCount: number;
  /** The fingerprint template of the stage's current error, if it failed. */
  fingerprint: string | undefined;
  /** A remembered fix for that error the loop would replay (not tried, not rejected). */
  untriedFixId: string | undefined;
  /** Proposals for this stage awaiting approval. */
  awaiting: { id: string; commit: string; source: string; switchOffs?: string[] }[];
}

export interface PlanStep {
  action: PlanAction;
  reason: string;
  /** The remembered fix or proposal the step is about. */
  fixId?: string;
  proposalId?: string;
}

/** Would `action` run something (a stage command, and with it maybe a fix)? */
export function wouldRun(action: PlanAction): boolean {
  return action === "run" || action === "replay_fix";
}

/**
 * Does a run of all stages stop at a stage with this plan? `convergeAll` stops at the first
 * stage that does not end green: one awaiting approval, waiting for a human or running elsewhere
 * certainly does not, so the stages after it are not reached.
 */
export function stopsARun(action: PlanAction): boolean {
  return action === "awaiting_approval" || action === "needs_human" || action === "running";
}

/** A stage after one that stops the run. */
export function blockedStep(stopper: { stage: string; action: PlanAction }): PlanStep {
  const why =
    stopper.action === "awaiting_approval"
      ? "awaits approval"
      : stopper.action === "running"
        ? "is running"
        : "waits for a human";
  return {
    action: "blocked",
    reason: `not reached: a run of all stages stops at ${stopper.stage}, which ${why}`,
  };
}

/** The checks a plan must run to decide: only a green stage's (as `convergeAll` does). */
export function planNeedsChecks(facts: Pick<PlanFacts, "configured" | "status" | "checkCount">): boolean {
  return facts.configured && facts.status === "green" && facts.checkCount > 0;
}

/** Why a proposal that switches something off needs a human, for the plan's and status's reason. */
export function switchOffNote(switchOffs: readonly string[] | undefined): string {
  return switchOffs && switchOffs.length > 0
    ? `; it switches off what the stage delivers or verifies, so only a human may let it run: ${switchOffs.join("; ")}`
    : "";
}

export function planStage(facts: PlanFacts): PlanStep {
  if (!facts.configured) {
    return { action: "not_configured", reason: "no command in ai/context_map.yaml: a run skips it" };
  }
  const waiting = facts.awaiting[0];
  if (waiting) {
    return {
      action: "awaiting_approval",
      proposalId: waiting.id,
      reason: `fix ${waiting.commit.slice(0, 10)} (source: ${waiting.source}) was proposed and is not run until "orchestrator approve ${waiting.id}" (or "orchestrator reject ${waiting.id}")${switchOffNote(waiting.switchOffs)}`,
    };
  }
  if (facts.status === "awaiting_approval") {
    // As the loop: only a recorded proposal holds a stage back.
    return {
      action: "run",
      reason: "awaited approval, but no proposal is recorded any more: a run runs the stage",
    };
  }
  switch (facts.status) {
    case "give_up":
    case "needs_human": {
      const what = facts.status === "give_up" ? "gave up" : "needs a human";
      return {
        action: "needs_human",
        reason: `${what}${facts.statusReason ? ` (${facts.statusReason})` : ""}; a run does nothing until it is fixed by hand and reset with --reset`,
      };
    }
    case "running":
      return { action: "running", reason: facts.statusReason ?? "a run of this stage is under way" };
    case "green":
      return planGreen(facts);
    case undefined:
      return { action: "run", reason: "never run: a run runs the stage" };
    case "idle":
      return {
        action: "run",
        reason: `idle${facts.statusReason ? ` (${facts.statusReason})` : ""}: a run runs the stage`,
      };
    default:
      return planFailed(facts);
  }
}

function planGreen(facts: PlanFacts): PlanStep {
  if (facts.checkCount === 0) {
    return {
      action: "run",
      reason: "green before, but it has no success_criteria to show it still is: a run runs it again",
    };
  }
  const failed = (facts.checks ?? []).find((check) => !check.passed);
  if (failed) {
    return {
      action: "run",
      reason: `drifted: check "${failed.name}" ${failed.detail}; a run runs the stage again`,
    };
  }
  const count = facts.checkCount;
  return {
    action: "nothing",
    reason: `green, and its ${count} check${count === 1 ? "" : "s"} still pass${count === 1 ? "es" : ""}`,
  };
}

function planFailed(facts: PlanFacts): PlanStep {
  const why = facts.statusReason ? ` (${facts.statusReason})` : "";
  if (facts.fingerprint !== undefined && facts.untriedFixId !== undefined) {
    return {
      action: "replay_fix",
      fixId: facts.untriedFixId,
      reason: `failed${why}; error ${facts.fingerprint} was fixed before: a run replays remembered fix ${facts.untriedFixId} if it comes back`,
    };
  }
  return { action: "run", reason: `${facts.status}${why}: a run runs the stage again` };
}

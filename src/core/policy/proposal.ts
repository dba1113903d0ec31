/**
 * A proposed fix (propose, then approve): committed on the AI branch, recorded in
 * `ai/state/proposals.json`, and not run until a human approves it. A rejected one is
 * remembered for its error so that it is never proposed or replayed again for it.
 */

export type ProposalStatus = "awaiting" | "approved" | "rejected";

export interface Proposal {
  /** `<stage>-<n>`: short enough to type in `orchestrator approve vms-1`. */
  id: string;
  stage: string;
  commit: string;
  /** The patch's source: `memory`, an executor kind, `playbook` or `api`. */
  source: string;
  /** The error the fix is for. */
  fingerprint: { template: string; exact: string };
  /** Set when the fix is a remembered one replayed. */
  fixId?: string;
  /** What the fix does, as its source said (redacted). */
  summary: string;
  /** What the fix switches off (the patch guard's reasons, redacted): why a human must decide. */
  switchOffs?: string[];
  /** Identifies the change itself (`git patch-id`), so the same change from another run is recognised. */
  changeId?: string;
  status: ProposalStatus;
  createdAt: string;
  decidedAt?: string;
}

export type NewProposal = Omit<Proposal, "id" | "status" | "createdAt" | "decidedAt" | "changeId">;

/** Where proposals are kept; the loop proposes, `approve` and `reject` decide. */
export interface ProposalPort {
  /** Proposals awaiting approval, oldest first (only the stage's when given). */
  awaiting(stage?: string): Promise<Proposal[]>;
  get(id: string): Promise<Proposal | undefined>;
  propose(proposal: NewProposal): Promise<Proposal>;
  decide(id: string, verdict: "approved" | "rejected"): Promise<void>;
  /** Remembered fixes a human rejected for this error: never replayed again for it. */
  rejectedFixes(stage: string, template: string): Promise<string[]>;
  /** The id of a rejected proposal for this error that this commit (or remembered fix) repeats. */
  rejectedBefore(
    stage: string,
    template: string,
    commit: string,
    fixId: string | undefined,
  ): Promise<string | undefined>;
}

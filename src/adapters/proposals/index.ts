import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { NewProposal, Proposal, ProposalPort, ProposalStatus } from "../../core/policy/proposal.ts";
import { isoStamp, STATE_FILES } from "../../core/repo-layout/index.ts";
import { RuntimeFailure } from "../../errors/index.ts";
import { git } from "../git/index.ts";
import { readIfExists, writeFileAtomic } from "../state-store/atomic-file.ts";

export const PROPOSALS_FILE = STATE_FILES.proposals;

const STATUSES: readonly ProposalStatus[] = ["awaiting", "approved", "rejected"];

/**
 * `ai/state/proposals.json`: fixes proposed for approval and what a human decided. Read by
 * hand rather than with zod, because `status` and `plan` read it and must start fast; an entry
 * without its fields is skipped, unknown fields are kept. Writers hold the repo's lock (the
 * loop, `approve`, `reject`), so a read-modify-write is never interleaved.
 */
export class ProposalStore implements ProposalPort {
  readonly #path: string;
  readonly #repoRoot: string;
  readonly #branch: string | undefined;

  /** `branch`: the AI branch, to follow a proposal's commit when the branch was rebuilt. */
  constructor(repoRoot: string, options: { branch?: string } = {}) {
    this.#repoRoot = repoRoot;
    this.#path = join(repoRoot, PROPOSALS_FILE);
    this.#branch = options.branch;
  }

  async list(): Promise<Proposal[]> {
    return (await this.#read()).proposals;
  }

  async awaiting(stage?: string): Promise<Proposal[]> {
    return (await this.list()).filter(
      (entry) => entry.status === "awaiting" && (stage === undefined || entry.stage === stage),
    );
  }

  /**
   * The proposal, with its commit as the AI branch has it now. When the user's branch moved on,
   * the AI branch is rebuilt on top of it and the proposed commit gets a new id: the commit with
   * the same change (patch id) on the branch takes its place, and the record is updated.
   */
  async get(id: string): Promise<Proposal | undefined> {
    const data = await this.#read();
    const proposal = data.proposals.find((entry) => entry.id === id);
    if (proposal?.status !== "awaiting" || this.#branch === undefined || !proposal.changeId) {
      return proposal;
    }
    const ref = `refs/heads/${this.#branch}`;
    const onBranch = await git(["merge-base", "--is-ancestor", proposal.commit, ref], {
      cwd: this.#repoRoot,
      allowFailure: true,
    });
    if (onBranch.exitCode === 0) {
      return proposal;
    }
    const rebuilt = await this.#commitWithChange(ref, proposal.changeId);
    if (rebuilt !== undefined) {
      proposal.commit = rebuilt;
      await this.#write(data);
    }
    return proposal;
  }

  /** The newest commit on `ref` (of its last 200) whose change has this patch id. */
  async #commitWithChange(ref: string, changeId: string): Promise<string | undefined> {
    const log = await git(["log", "-p", "--no-color", "-n", "200", ref], {
      cwd: this.#repoRoot,
      allowFailure: true,
    });
    if (log.exitCode !== 0) {
      return undefined;
    }
    // One "<patch id> <commit>" line per commit (git-scm.com/docs/git-patch-id).
    const ids = await git(["patch-id", "--stable"], { cwd: this.#repoRoot, input: log.stdout });
    for (const line of ids.stdout.split("\n")) {
      const [patchId, commit] = line.trim().split(/\s+/);
      if (patchId === changeId && commit) {
        return commit;
      }
    }
    return undefined;
  }

  async propose(input: NewProposal): Promise<Proposal> {
    const data = await this.#read();
    const taken = new Set(data.proposals.map((entry) => entry.id));
    let number = data.proposals.filter((entry) => entry.stage === input.stage).length + 1;
    while (taken.has(`${input.stage}-${number}`)) {
      number++;
    }
    const changeId = await this.#changeIdOf(input.commit);
    const proposal: Proposal = {
      ...input,
      id: `${input.stage}-${number}`,
      status: "awaiting",
      createdAt: isoStamp(),
      ...(changeId === undefined ? {} : { changeId }),
    };
    data.proposals.push(proposal);
    await this.#write(data);
    return proposal;
  }

  async decide(id: string, verdict: "approved" | "rejected"): Promise<void> {
    const data = await this.#read();
    const proposal = data.proposals.find((entry) => entry.id === id);
    if (!proposal) {
      throw new RuntimeFailure(`proposal ${id} is not in ${PROPOSALS_FILE}`);
    }
    proposal.status = verdict;
    proposal.decidedAt = isoStamp();
    await this.#write(data);
  }

  async rejectedFixes(stage: string, template: string): Promise<string[]> {
    return (await this.#rejected(stage, template)).flatMap((entry) =>
      entry.fixId === undefined ? [] : [entry.fixId],
    );
  }

  async rejectedBefore(
    stage: string,
    template: string,
    commit: string,
    fixId: string | undefined,
  ): Promise<string | undefined> {
    const rejected = await this.#rejected(stage, template);
    if (rejected.length === 0) {
      return undefined;
    }
    const byFix = rejected.find((entry) => fixId !== undefined && entry.fixId === fixId);
    if (byFix) {
      return byFix.id;
    }
    const changeId = await this.#changeIdOf(commit);
    return rejected.find(
      (entry) => entry.commit === commit || (changeId !== undefined && entry.changeId === changeId),
    )?.id;
  }

  async #rejected(stage: string, template: string): Promise<Proposal[]> {
    return (await this.list()).filter(
      (entry) =>
        entry.status === "rejected" && entry.stage === stage && entry.fingerprint.template === template,
    );
  }

  /**
   * The change itself, whatever commit carries it: `git patch-id --stable` sums the hashes of the
   * file diffs with line numbers ignored (and whitespace, short of --verbatim), independent of
   * file order; its first output field is the patch id (git-scm.com/docs/git-patch-id). So the
   * same fix found again by an executor or the model is recognised as the one a human rejected.
   */
  async #changeIdOf(commit: string): Promise<string | undefined> {
    const shown = await git(["show", "--format=", "--no-color", commit], {
      cwd: this.#repoRoot,
      allowFailure: true,
    });
    if (shown.exitCode !== 0 || shown.stdout.trim() === "") {
      return undefined;
    }
    const id = await git(["patch-id", "--stable"], { cwd: this.#repoRoot, input: shown.stdout });
    return id.stdout.trim().split(/\s+/)[0] || undefined;
  }

  async #read(): Promise<{ raw: Record<string, unknown>; proposals: Proposal[] }> {
    const text = await readIfExists(this.#path);
    if (text === undefined) {
      return { raw: { version: 1 }, proposals: [] };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new RuntimeFailure(
        `${PROPOSALS_FILE} is not valid JSON (${(error as Error).message}): fix or remove it`,
      );
    }
    const record = isObject(raw) ? raw : {};
    const entries = Array.isArray(record["proposals"]) ? record["proposals"] : [];
    return { raw: record, proposals: entries.filter(isProposal) };
  }

  async #write(data: { raw: Record<string, unknown>; proposals: Proposal[] }): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    await writeFileAtomic(
      this.#path,
      `${JSON.stringify({ ...data.raw, version: 1, proposals: data.proposals }, null, 2)}\n`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isProposal(value: unknown): value is Proposal {
  if (!isObject(value)) {
    return false;
  }
  const fingerprint = value["fingerprint"];
  return (
    typeof value["id"] === "string" &&
    typeof value["stage"] === "string" &&
    typeof value["commit"] === "string" &&
    typeof value["source"] === "string" &&
    STATUSES.includes(value["status"] as ProposalStatus) &&
    isObject(fingerprint) &&
    typeof fingerprint["template"] === "string"
  );
}

import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import type { StageStatusEntry } from "../adapters/state-store/index.ts";
import { EX_CONFIG } from "../core/exit-codes/index.ts";
import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import { isoStamp } from "../core/repo-layout/index.ts";
import type { RunContext, StageOutcome } from "./context.ts";
import { failedStatus } from "./stage-status.ts";

export { EX_CONFIG };

/** The command's own last lines, which say what is wrong. */
const NEEDS_HUMAN_LINES = 5;

/**
 * The stage stops for a human: status give_up (sticky until --reset, with the AI branch tip
 * so the human's later commits can be remembered as the fix), an entry in ai/issues.txt
 * saying what happened and what to do next, and the same sentence in the journal and terminal.
 * ai/issues.txt is tracked and may be pushed, so its entry passes the redactor first.
 */
export async function giveUp(
  ctx: RunContext,
  stage: string,
  decided: string,
  fingerprint: ErrorFingerprint,
  runs: number,
  caseDir: string | undefined,
  options: { quoteCause?: boolean } = {},
): Promise<StageOutcome> {
  const now = isoStamp();
  // Counting attempts says nothing a human can act on: the reason quotes the cause line
  // (redacted: it reaches notifications and the status page), unless the reason is another
  // matter altogether (a pull request waiting for its merge).
  const cause = fingerprint.lines.at(-1)?.trim();
  const reason =
    options.quoteCause !== false && cause && !decided.includes(cause)
      ? `${decided}; the error: ${await ctx.redact(cause.length > 300 ? `${cause.slice(0, 297)}...` : cause)}`
      : decided;
  const statuses = await ctx.state.stageStatuses();
  const entry: StageStatusEntry = {
    ...(statuses[stage] ?? {}),
    status: "give_up",
    since: now,
    reason,
    ...(caseDir ? { caseDir } : {}),
  };
  const head = await ctx.workspace.head();
  if (head !== undefined) {
    entry.giveUpHead = head;
  }
  await ctx.state.setStageStatus(stage, entry);
  const next = caseDir
    ? `read the case file in ${caseDir}, fix the cause by hand, then run "orchestrator ${stage} --reset"`
    : `read the latest log in ai/logs/${stage}/, fix the cause by hand, then run "orchestrator ${stage} --reset"`;
  const issue = [
    `## ${now} ${stage} give_up`,
    `- fingerprint: ${fingerprint.template} (exact ${fingerprint.exact})`,
    `- summary: ${reason}`,
    `- error: ${fingerprint.lines.slice(-3).join(" | ") || "(no output)"}`,
    `- case folder: ${caseDir ?? "none"}`,
    `- next: ${next}`,
    "",
  ].join("\n");
  await ctx.state.appendIssue(await ctx.redact(issue));
  await ctx.state.journal({
    type: "give_up",
    stage,
    fingerprint: fingerprint.template,
    reason,
    ...(caseDir ? { caseDir } : {}),
  });
  ctx.reporter.note(stage, `give_up: ${reason}. Next: ${next}`);
  return { stage, status: "give_up", reason, runs };
}

/**
 * The stage said its configuration is wrong (exit 78, EX_CONFIG): status needs_human with the
 * command's own last lines, which say what is wrong; no retry, executor or model can help.
 */
export async function stopForHuman(
  ctx: RunContext,
  stage: string,
  result: StageRunResult,
  attempt: number,
  run: number,
): Promise<StageOutcome> {
  const lines = result.process.tail.filter((line) => line.trim() !== "").slice(-NEEDS_HUMAN_LINES);
  const reason = `the stage said only a person can fix this (exit ${EX_CONFIG}, a configuration no change to the repo repairs): ${lines.at(-1) ?? "it printed nothing"}`;
  await ctx.state.setStageStatus(stage, {
    ...failedStatus(result, reason, attempt),
    status: "needs_human",
  });
  await ctx.state.journal({
    type: "needs_human",
    stage,
    reason,
    lines: await Promise.all(lines.map(ctx.redact)),
  });
  ctx.reporter.note(stage, `needs_human: ${reason}. Fix it, then run "orchestrator ${stage}" again`);
  return { stage, status: "needs_human", reason, runs: run };
}

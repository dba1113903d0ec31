import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageStatusEntry } from "../adapters/state-store/index.ts";
import type { ErrorFingerprint } from "../core/fingerprint/index.ts";
import type { RunContext, StageOutcome } from "./context.ts";

/**
 * The stage stops for a human: status give_up (sticky until --reset, with the AI branch tip
 * so the human's later commits can be remembered as the fix), an entry in ai/issues.txt
 * saying what happened and what to do next, and the same sentence in the journal and terminal.
 */
export async function giveUp(
  ctx: RunContext,
  stage: string,
  reason: string,
  fingerprint: ErrorFingerprint,
  runs: number,
  caseDir: string | undefined,
): Promise<StageOutcome> {
  const now = new Date().toISOString();
  const statuses = await ctx.state.stageStatuses();
  await ctx.state.setStageStatus(stage, {
    ...(statuses[stage] ?? {}),
    status: "give_up",
    since: now,
    reason,
    giveUpHead: await ctx.workspace.head(),
    ...(caseDir ? { caseDir } : {}),
  } as StageStatusEntry);
  const next = caseDir
    ? `read the case file in ${caseDir}, fix the cause by hand, then run "orchestrator ${stage} --reset"`
    : `read the latest log in ai/logs/${stage}/, fix the cause by hand, then run "orchestrator ${stage} --reset"`;
  const entry = [
    `## ${now} ${stage} give_up`,
    `- fingerprint: ${fingerprint.template} (exact ${fingerprint.exact})`,
    `- summary: ${reason}`,
    `- error: ${fingerprint.lines.slice(-3).join(" | ") || "(no output)"}`,
    `- case folder: ${caseDir ?? "none"}`,
    `- next: ${next}`,
    "",
  ].join("\n");
  await appendFile(join(ctx.repoRoot, "ai", "issues.txt"), `${entry}\n`, "utf8");
  await ctx.state.journal({ type: "give_up", stage, fingerprint: fingerprint.template, reason, caseDir });
  ctx.reporter.note(stage, `give_up: ${reason}. Next: ${next}`);
  return { stage, status: "give_up", reason, runs };
}

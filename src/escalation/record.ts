import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { CaseDiagnostic } from "../core/case-file/index.ts";
import type { DiagnosticsAnswer } from "../core/escalation/index.ts";
import { caseDir, fileStamp } from "../core/repo-layout/index.ts";

/** `20261125-170200-3f9a1c`: sortable by time, unique enough for one repo. */
export function newCaseId(now: Date = new Date()): string {
  return `${fileStamp(now)}-${randomBytes(3).toString("hex")}`;
}

/** `<repo>/ai/escalations/<stage>/<caseId>` */
export function caseDirFor(repoRoot: string, stage: string, caseId: string): string {
  return join(repoRoot, caseDir(stage, caseId));
}

/** The diagnostics a model asked for, and what became of each, as a person reads it. */
export function formatDiagnostics(answer: DiagnosticsAnswer, results: CaseDiagnostic[]): string {
  const lines = [`Asked for: ${answer.summary}`, `Hypothesis: ${answer.hypothesis}`, ""];
  for (const result of results) {
    lines.push(`$ ${result.command}`);
    if (result.why) {
      lines.push(`# why: ${result.why}`);
    }
    if (result.verdict === "refused") {
      lines.push(`# refused: ${result.reason ?? "no reason given"}`, "");
      continue;
    }
    const status =
      result.verdict === "timed_out"
        ? "killed at its timeout"
        : result.verdict === "failed_to_start"
          ? `could not start: ${result.reason ?? "unknown"}`
          : `exit code ${result.exitCode ?? "unknown"}${result.truncated ? ", output capped" : ""}`;
    lines.push(`# ${status}`);
    if (result.output) {
      lines.push(result.output.replace(/\n$/, ""));
    }
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

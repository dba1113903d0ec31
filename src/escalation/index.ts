import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LlmClient, LlmUsage } from "../adapters/llm/index.ts";
import { buildCaseFile, type CaseDiagnostic, type CaseFileInput } from "../core/case-file/index.ts";
import {
  type DiagnosticRequest,
  type DiagnosticsAnswer,
  ESCALATION_ANSWER_FORMAT,
  ESCALATION_SYSTEM_PROMPT,
  type GiveUpAnswer,
  type PatchAnswer,
} from "../core/escalation/index.ts";
import { formatDiagnostics } from "./record.ts";

export { caseDirFor, newCaseId } from "./record.ts";

/** What escalation needs of the redactor (`Redactor` from src/core/redaction fits). */
export interface CaseRedactor {
  redact(text: string): string;
}

export interface EscalationDeps<Result extends CaseDiagnostic = CaseDiagnostic> {
  llm: LlmClient;
  /** Built by the caller from `gatherCaseContext` and the stage's history; `version` is overridden. */
  caseInput: CaseFileInput;
  /** HTTP requests this step may send (the stage's API budget left). */
  remainingRequests: number;
  /** `ai/escalations/<stage>/<id>/`. */
  caseDir: string;
  version: number;
  redactor: CaseRedactor;
  /** The diagnostics runner, bound to the stage's allowed prefixes; it refuses what the policy refuses. */
  runDiagnostics: (commands: DiagnosticRequest[]) => Promise<Result[]>;
  signal?: AbortSignal;
}

interface StepRecord {
  requests: number;
  usage: LlmUsage;
  /** The case file sent, relative to nothing: an absolute path inside `caseDir`. */
  caseFile: string;
}

export type EscalationStep<Result extends CaseDiagnostic = CaseDiagnostic> =
  | ({ kind: "patch"; diff: string; answer: PatchAnswer; patchFile: string } & StepRecord)
  | ({
      kind: "diagnostics";
      results: Result[];
      answer: DiagnosticsAnswer;
      diagnosticsFile: string;
    } & StepRecord)
  | ({ kind: "give_up"; reason: string; answer: GiveUpAnswer } & StepRecord)
  | ({ kind: "failed"; reason: string } & StepRecord);

export interface WrittenCaseFile {
  path: string;
  /** Exactly the text written (and, when sent, sent): redacted. */
  markdown: string;
  tokens: number;
  omitted: string[];
}

/**
 * Writes `case_v<N>.md`, redacted, exactly as it would be sent. Used on its own when there is no
 * API key, so the human can paste the case file anywhere.
 */
export async function writeCaseFileOnly(opts: {
  caseInput: CaseFileInput;
  caseDir: string;
  version: number;
  redactor: CaseRedactor;
}): Promise<WrittenCaseFile> {
  const built = buildCaseFile({ ...opts.caseInput, version: opts.version });
  const markdown = opts.redactor.redact(built.markdown);
  await mkdir(opts.caseDir, { recursive: true });
  const path = join(opts.caseDir, `case_v${opts.version}.md`);
  await writeFile(path, markdown);
  return { path, markdown, tokens: built.tokens, omitted: built.omitted };
}

/**
 * One escalation step: write the case file, ask the model, record its answer, and for diagnostics
 * run them. Applying a patch, re-running the stage and reverting are the caller's.
 */
export async function escalateOnce<Result extends CaseDiagnostic>(
  deps: EscalationDeps<Result>,
): Promise<EscalationStep<Result>> {
  const { caseDir, version } = deps;
  const written = await writeCaseFileOnly(deps);
  const result = await deps.llm.ask({
    system: ESCALATION_SYSTEM_PROMPT,
    user: written.markdown,
    format: ESCALATION_ANSWER_FORMAT,
    remainingRequests: deps.remainingRequests,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const record: StepRecord = { requests: result.requests, usage: result.usage, caseFile: written.path };
  await writeJson(join(caseDir, `response_${version}.json`), {
    version,
    model: deps.llm.model,
    api: deps.llm.api,
    ok: result.ok,
    requests: result.requests,
    usage: result.usage,
    attempts: result.attempts,
    case_tokens: written.tokens,
    case_omitted: written.omitted,
    answer: result.ok ? result.answer : null,
    reason: result.ok ? null : result.reason,
    raw_text: result.rawText === undefined ? null : deps.redactor.redact(result.rawText),
  });
  if (!result.ok) {
    return { kind: "failed", reason: result.reason, ...record };
  }

  const { answer } = result;
  switch (answer.action) {
    case "patch": {
      const patchFile = join(caseDir, `patch_${version}.diff`);
      await writeFile(patchFile, answer.patch);
      return { kind: "patch", diff: answer.patch, answer, patchFile, ...record };
    }
    case "diagnostics": {
      const results = await deps.runDiagnostics(answer.commands);
      const diagnosticsFile = join(caseDir, `diagnostics_${version}.txt`);
      await writeFile(diagnosticsFile, deps.redactor.redact(formatDiagnostics(answer, results)));
      return { kind: "diagnostics", results, answer, diagnosticsFile, ...record };
    }
    case "give_up":
      return { kind: "give_up", reason: answer.reason, answer, ...record };
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

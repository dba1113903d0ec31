import { relative } from "node:path";
import { type DiagnosticResult, runDiagnostics } from "../adapters/diagnostics-runner/index.ts";
import { createLlmClient, type LlmClient } from "../adapters/llm/index.ts";
import { recordPatchVerdict, type SideBranch } from "../adapters/side-branch/index.ts";
import type { StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings, StageSpec } from "../config/index.ts";
import type { CasePatch } from "../core/case-file/index.ts";
import type { GuardRules } from "../core/patch-guard/index.ts";
import type { Redactor } from "../core/redaction/index.ts";
import type { EscalationResult, Fixers } from "../reconcile/context.ts";
import { caseInputFor, diagnosticsOptions } from "./case-input.ts";
import { caseDirFor, escalateOnce, newCaseId, writeCaseFileOnly } from "./index.ts";

export interface StageEscalationDeps {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  sideBranch: SideBranch;
  state: StateStore;
  rules: GuardRules;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Injected in tests; built from `settings.openai` otherwise. */
  llm?: LlmClient;
  /** The last executor's notes for this stage, ranked first in the case file. */
  executorNotes?: (stage: string) => { summary: string; filesOpened: string[] } | undefined;
}

/**
 * The loop's escalation: case file v1 → answer → diagnostics → v2 → … until a patch is
 * committed, the model gives up, or the calls allowed for this error are spent. Patches go
 * through the same guard as every other change; a refusal is told to the next call.
 */
export function createEscalationFixers(
  deps: StageEscalationDeps,
): Required<Pick<Fixers, "apiConfigured" | "escalate" | "writeCaseFileOnly">> {
  const apiKey = deps.settings.openai.apiKey;
  const llm =
    deps.llm ??
    (apiKey
      ? createLlmClient({
          baseURL: deps.settings.openai.baseUrl,
          apiKey,
          model: deps.settings.openai.model,
          api: deps.settings.openai.api,
          deadlineMs: 120_000,
          redactor: deps.redactor,
        })
      : undefined);

  return {
    apiConfigured: llm !== undefined,
    async writeCaseFileOnly(request) {
      const spec = stageSpec(deps, request.stage);
      const caseId = newCaseId();
      const caseDir = caseDirFor(deps.repoRoot, request.stage, caseId);
      const caseInput = await caseInputFor(deps, request, spec, {
        caseId,
        version: 1,
        diagnostics: [],
        refused: [],
      });
      await writeCaseFileOnly({ caseInput, caseDir, version: 1, redactor: deps.redactor });
      await deps.state.journal({
        type: "case_file_written",
        stage: request.stage,
        caseDir: rel(deps, caseDir),
      });
      return rel(deps, caseDir);
    },
    async escalate(request, remainingCalls) {
      if (!llm) {
        throw new Error("escalate called without an API client");
      }
      const spec = stageSpec(deps, request.stage);
      const previous = request.errors.escalation;
      const sameCase = previous?.fingerprint === request.fingerprint.template;
      const caseId = sameCase ? previous.id : newCaseId();
      const caseDir = caseDirFor(deps.repoRoot, request.stage, caseId);
      let version = sameCase ? previous.version + 1 : 1;
      const diagnostics: DiagnosticResult[] = [];
      const refused: CasePatch[] = [];
      let remaining = remainingCalls;
      const errors = request.errors;
      const template = request.fingerprint.template;
      const finish = (result: EscalationResult) => {
        errors.escalation = {
          id: caseId,
          fingerprint: template,
          version: version - 1,
          dir: rel(deps, caseDir),
        };
        return result;
      };
      while (remaining > 0 && !deps.signal.aborted) {
        const caseInput = await caseInputFor(deps, request, spec, { caseId, version, diagnostics, refused });
        caseInput.remainingCalls = remaining - 1;
        const step = await escalateOnce({
          llm,
          caseInput,
          remainingRequests: remaining,
          caseDir,
          version,
          redactor: deps.redactor,
          runDiagnostics: (commands) =>
            runDiagnostics(commands, diagnosticsOptions(deps, request.stage, spec)),
          signal: deps.signal,
        });
        version++;
        remaining -= step.requests;
        errors.apiCalls[template] = (errors.apiCalls[template] ?? 0) + step.requests;
        errors.apiCallsTotal += step.requests;
        errors.tokens = {
          input: errors.tokens.input + step.usage.inputTokens,
          output: errors.tokens.output + step.usage.outputTokens,
        };
        await deps.state.journal({
          type: "api_call",
          stage: request.stage,
          caseDir: rel(deps, caseDir),
          requests: step.requests,
          answer: step.kind,
          usage: step.usage,
          model: llm.model,
        });
        switch (step.kind) {
          case "patch": {
            const meta = {
              stage: request.stage,
              summary: step.answer.summary,
              fingerprint: request.fingerprint.template,
              source: "api",
              caseId,
            };
            const applied = await deps.sideBranch.apply(step.diff, meta, deps.rules);
            const verdict =
              applied.status === "applied"
                ? { verdict: "accepted" as const, files: applied.files, changedLines: applied.changedLines }
                : { verdict: "refused" as const, reasons: applied.reasons };
            await recordPatchVerdict(deps.repoRoot, request.stage, step.diff, verdict, meta);
            if (applied.status === "applied") {
              await deps.state.journal({
                type: "patch_applied",
                stage: request.stage,
                commit: applied.commit,
                source: "api",
                caseId,
              });
              return finish({
                kind: "patched",
                commit: applied.commit,
                source: "api",
                summary: step.answer.summary,
                files: applied.files,
                caseDir: rel(deps, caseDir),
              });
            }
            await deps.state.journal({
              type: "patch_refused",
              stage: request.stage,
              source: "api",
              reasons: applied.reasons,
            });
            refused.push({
              source: "api",
              summary: step.answer.summary,
              outcome: "refused",
              reasons: applied.reasons,
              diff: step.diff,
            });
            break;
          }
          case "diagnostics":
            diagnostics.push(...step.results);
            break;
          case "give_up":
            return finish({ kind: "give_up", reason: step.reason, caseDir: rel(deps, caseDir) });
          case "failed":
            return finish({ kind: "failed", reason: step.reason, caseDir: rel(deps, caseDir) });
        }
      }
      const last = refused.at(-1);
      return finish(
        last
          ? { kind: "refused", reasons: last.reasons ?? [], caseDir: rel(deps, caseDir) }
          : {
              kind: "failed",
              reason: "the API call budget for this error is spent",
              caseDir: rel(deps, caseDir),
            },
      );
    },
  };
}

function stageSpec(deps: StageEscalationDeps, stage: string): StageSpec {
  const spec = deps.contextMap.stages[stage];
  if (!spec) {
    throw new Error(`no stage ${stage} in the context map`);
  }
  return spec;
}

function rel(deps: StageEscalationDeps, path: string): string {
  return relative(deps.repoRoot, path);
}

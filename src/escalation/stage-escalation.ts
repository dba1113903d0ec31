import { join, relative } from "node:path";
import { type DiagnosticResult, runDiagnostics } from "../adapters/diagnostics-runner/index.ts";
import { resolveEdit } from "../adapters/edits/index.ts";
import { createLlmClient, type LlmClient } from "../adapters/llm/index.ts";
import { type LandPatchDeps, landPatch, type SideBranch } from "../adapters/side-branch/index.ts";
import type { ContextMap, Settings, StageSpec } from "../config/index.ts";
import type { CaseFileInput, CasePatch } from "../core/case-file/index.ts";
import { filesToQuote, type RefusedEdit } from "../core/escalation/index.ts";
import type { CaseRef, EscalationOutcome, EscalatorPort, FixRequest } from "../core/fixers/index.ts";
import type { GuardRules } from "../core/patch-guard/index.ts";
import { provenanceRefusal, untrustedOnlyWords } from "../core/provenance/index.ts";
import type { Redactor } from "../core/redaction/index.ts";
import { type CaseFactsPort, gatherCaseFacts } from "./case-facts.ts";
import { caseInputFor, diagnosticsOptions } from "./case-input.ts";
import { caseDirFor, escalateOnce, newCaseId, writeCaseFileOnly } from "./index.ts";

export interface StageEscalationDeps {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  sideBranch: SideBranch;
  land: LandPatchDeps;
  rules: GuardRules;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Live facts for the case file, from the stage pack (`NO_CASE_FACTS` when none knows the stages). */
  caseFacts: CaseFactsPort;
  /** Injected in tests; built from `settings.openai` otherwise. */
  llm?: LlmClient;
}

/**
 * The loop's escalator: case file v1 → answer → diagnostics → v2 → … until a patch is
 * committed, the model gives up, or the calls allowed for this error are spent. Patches land
 * through the one patch path; a refusal is told to the next call. Every call is reported to the
 * loop's `account` as it happens; the loop keeps the counts.
 */
export function createEscalator(deps: StageEscalationDeps): EscalatorPort {
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
    configured: llm !== undefined,
    async writeCaseFile(request) {
      const spec = stageSpec(deps, request.stage);
      const caseId = newCaseId();
      const caseDir = caseDirFor(deps.repoRoot, request.stage, caseId);
      const caseInput = await caseInputFor(deps, request, spec, {
        caseId,
        version: 1,
        diagnostics: [],
        refused: [],
        liveFacts: await liveFactsFor(deps, request, spec),
      });
      await writeCaseFileOnly({ caseInput, caseDir, version: 1, redactor: deps.redactor });
      return { id: caseId, version: 1, dir: rel(deps, caseDir) };
    },
    async escalate(request, budget, account) {
      if (!llm) {
        throw new Error("escalate called without an API client");
      }
      const spec = stageSpec(deps, request.stage);
      const previous = budget.previousCase;
      const caseId = previous?.id ?? newCaseId();
      const caseDir = caseDirFor(deps.repoRoot, request.stage, caseId);
      let version = previous ? previous.version + 1 : 1;
      const diagnostics: DiagnosticResult[] = [];
      const refused: CasePatch[] = [];
      /** The last answer's edit when it was refused: the next case file says why, quoting the current text. */
      let refusedEdit: RefusedEdit | undefined;
      let remaining = budget.remainingCalls;
      // Once per escalation: diagnostics and refused patches change nothing the facts describe.
      const liveFacts = await liveFactsFor(deps, request, spec);
      const finish = (outcome: EscalationOutcome): { outcome: EscalationOutcome; case: CaseRef } => ({
        outcome,
        case: { id: caseId, version: version - 1, dir: rel(deps, caseDir) },
      });
      while (remaining > 0 && !deps.signal.aborted) {
        const caseInput = await caseInputFor(deps, request, spec, {
          caseId,
          version,
          diagnostics,
          refused,
          liveFacts,
        });
        if (refusedEdit) {
          caseInput.refusedEdit = refusedEdit;
          refusedEdit = undefined;
        }
        caseInput.remainingCalls = remaining - 1;
        const sources = provenanceSources(caseInput, spec);
        const step = await escalateOnce({
          llm,
          caseInput,
          remainingRequests: remaining,
          caseDir,
          version,
          redactor: deps.redactor,
          runDiagnostics: async (commands) => {
            const traced = commands.map((command) => ({
              command,
              injected: untrustedOnlyWords(command.command, sources),
            }));
            const ran = await runDiagnostics(
              traced.filter((entry) => entry.injected.length === 0).map((entry) => entry.command),
              diagnosticsOptions(deps, request.stage, spec),
            );
            // In the order the model asked, a refused one in its place.
            return traced.map((entry): DiagnosticResult => {
              if (entry.injected.length === 0) {
                return ran.shift() as DiagnosticResult;
              }
              return {
                command: entry.command.command,
                ...(entry.command.why === undefined ? {} : { why: entry.command.why }),
                verdict: "refused",
                reason: provenanceRefusal("the command", entry.injected),
              };
            });
          },
          signal: deps.signal,
        });
        version++;
        remaining -= step.requests;
        await account({
          requests: step.requests,
          usage: step.usage,
          model: llm.model,
          answer: step.kind,
          caseDir: rel(deps, caseDir),
          ...(step.kind === "failed" ? { reason: step.reason } : {}),
        });
        switch (step.kind) {
          case "patch": {
            // What the edit would add, as the applier reads it (prose around it does not count).
            const resolved = await resolveEdit(step.diff, (path) => deps.sideBranch.readFileAtTip(path));
            const injected = resolved.ok ? untrustedOnlyWords(addedLines(resolved.diff), sources) : [];
            if (injected.length > 0) {
              const reasons = [provenanceRefusal("the patch", injected)];
              refused.push({
                source: "api",
                summary: step.answer.summary,
                outcome: "refused",
                reasons,
                diff: step.diff,
              });
              refusedEdit = { call: version - 1, reasons, refusals: [], files: {} };
              break;
            }
            const meta = {
              stage: request.stage,
              summary: step.answer.summary,
              fingerprint: request.fingerprint.template,
              source: "api",
              caseId,
            };
            const landed = await landPatch(deps.land, step.diff, meta);
            if (landed.status === "applied") {
              return finish({
                kind: "patched",
                commit: landed.commit,
                source: "api",
                summary: step.answer.summary,
                files: landed.files,
                ...(landed.switchOffs === undefined ? {} : { switchOffs: landed.switchOffs }),
              });
            }
            refused.push({
              source: "api",
              summary: step.answer.summary,
              outcome: "refused",
              reasons: landed.reasons,
              diff: step.diff,
            });
            refusedEdit = {
              call: version - 1,
              reasons: landed.reasons,
              refusals: landed.refusals,
              files: await filesAtTip(deps.sideBranch, filesToQuote(landed.refusals)),
            };
            break;
          }
          case "diagnostics":
            diagnostics.push(...step.results);
            break;
          case "give_up":
            return finish({ kind: "give_up", reason: step.reason });
          case "failed":
            return finish({ kind: "no_patch", reason: step.reason });
        }
      }
      const last = refused.at(-1);
      return finish({
        kind: "no_patch",
        reason: last
          ? `the last patch was refused: ${(last.reasons ?? []).join("; ")}`
          : "the API call budget for this error is spent",
      });
    },
  };
}

/** The stage pack's live facts for this failure, gathered read-only within their deadline. */
function liveFactsFor(deps: StageEscalationDeps, request: FixRequest, spec: StageSpec) {
  const { worktree, repoRoot } = deps.sideBranch;
  return gatherCaseFacts(
    deps.caseFacts,
    {
      stage: request.stage,
      command: spec.command,
      // The homelab may be a sub-folder of the git repository the worktree checks out.
      homelabDir: join(worktree, relative(repoRoot, deps.repoRoot)),
    },
    deps.signal,
  );
}

/**
 * What the human wrote (the stage's configuration, its files, the memo) and what the
 * orchestrator observed itself (live facts it parsed and checked by shape: names, ids, paths),
 * against what came from outside (the log, diagnostics' output, a tool's own words among the
 * facts, the executor's notes, earlier answers' diffs). A fix that uses a storage name only the
 * live facts hold is the point of gathering them, not an injection.
 */
export function provenanceSources(caseInput: CaseFileInput, spec: StageSpec) {
  const sections = caseInput.liveFacts?.sections ?? [];
  const factText = (kind: "observed" | "quoted") =>
    sections.filter((section) => section.kind === kind).map((section) => section.lines.join("\n"));
  return {
    trusted: [
      JSON.stringify(spec),
      ...caseInput.files.map((file) => `${file.path}\n${file.content}`),
      ...caseInput.memoSections.map((section) => section.text),
      ...factText("observed"),
    ],
    untrusted: [
      caseInput.logTail,
      ...factText("quoted"),
      ...(caseInput.liveFacts?.unavailable ?? []),
      ...caseInput.diagnostics.map((diagnostic) => diagnostic.output ?? ""),
      caseInput.executorNotes?.summary ?? "",
      ...caseInput.earlierPatches.map((patch) => patch.diff ?? ""),
    ],
  };
}

/** The current text at the branch tip of the files a refusal should quote. */
async function filesAtTip(
  sideBranch: SideBranch,
  paths: string[],
): Promise<Record<string, string | undefined>> {
  const files: Record<string, string | undefined> = {};
  for (const path of paths) {
    files[path] = await sideBranch.readFileAtTip(path);
  }
  return files;
}

/** The lines a unified diff adds, without their `+`. */
function addedLines(diff: string): string {
  return diff
    .split("\n")
    .filter((line) => line.startsWith("+") && !line.startsWith("+++"))
    .map((line) => line.slice(1))
    .join("\n");
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

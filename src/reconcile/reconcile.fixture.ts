/**
 * Test support for the loop's unit tests: a real state store in a temporary folder and
 * in-memory ports (stage runner, workspace, fix memory, executor, escalator) scripted per test.
 * Only tests import this.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import { StateStore } from "../adapters/state-store/index.ts";
import { DEFAULT_SETTINGS, parseContextMap, type Settings } from "../config/index.ts";
import type {
  CaseRef,
  EscalationOutcome,
  EscalatorPort,
  ExecutorPort,
  FixMemoryPort,
  FixOutcome,
  FixRequest,
} from "../core/fixers/index.ts";
import type { Proposal, ProposalPort } from "../core/policy/proposal.ts";
import { stageLogFile } from "../core/repo-layout/index.ts";
import type { Reporter, RunContext } from "./context.ts";

const CONTEXT_MAP = "version: 1\nstages:\n  vms:\n    command: ./vms.sh\n    files: [config/**]\n";

/** What one scripted run prints and how it ends: a line of error text, or green. */
export type ScriptedRun = { green: true } | { error: string; exitCode?: number };

export interface LoopHarness {
  ctx: RunContext;
  root: string;
  state: StateStore;
  /** Calls each port received, in order, for assertions. */
  calls: string[];
  /** Stages run, in order (several stages: `contextMap` and `runsByStage`). */
  ran: string[];
  reverted: string[];
  /** Remembered fixes the memory port holds: fingerprint template → fix id. */
  remembered: Map<string, string>;
  demoted: string[];
  verified: { commit: string; fixId: string | undefined }[];
  /** Every proposal made, as the in-memory proposal port holds it. */
  proposals: Proposal[];
  issues(): string;
  /** A commit arriving on the AI branch (the human's, or another run's) that changes `files`. */
  commit(files: string[]): void;
  abort(): void;
  cleanup(): void;
}

export interface HarnessScript {
  runs: ScriptedRun[];
  /** What each executor run does, in order; none means no executor is configured. */
  executor?: FixOutcome[];
  /** What each replay of a remembered fix does. */
  replays?: FixOutcome[];
  escalations?: { outcome: EscalationOutcome; calls: number }[];
  settings?: Partial<Settings>;
  /** Fixes already remembered: fingerprint-bearing error text → fix id. */
  rememberedFor?: Record<string, string>;
  /** Called before run N (1-based) starts, e.g. to abort. */
  beforeRun?: (run: number, harness: LoopHarness) => void;
  /** A context map of several stages (default: one stage, vms). */
  contextMap?: string;
  /** Runs per stage, for several stages; a stage not named here takes from `runs`. */
  runsByStage?: Record<string, ScriptedRun[]>;
}

export function loopHarness(script: HarnessScript): LoopHarness {
  const root = mkdtempSync(join(tmpdir(), "reconcile-"));
  const state = new StateStore(root);
  const calls: string[] = [];
  const ran: string[] = [];
  const reverted: string[] = [];
  const demoted: string[] = [];
  const verified: { commit: string; fixId: string | undefined }[] = [];
  const remembered = new Map<string, string>();
  const rememberedText = Object.entries(script.rememberedFor ?? {});
  const controller = new AbortController();
  let runNumber = 0;
  const stageRuns = new Map<string, number>();
  /** The AI branch as the workspace sees it: each patch (and revert) a commit with its files. */
  const branch: { commit: string; files: string[] }[] = [];
  const land = (outcome: FixOutcome): FixOutcome => {
    if (outcome.kind === "patched") {
      branch.push({ commit: outcome.commit, files: outcome.files });
    }
    return outcome;
  };
  const executorOutcomes = [...(script.executor ?? [])];
  const replayOutcomes = [...(script.replays ?? [])];
  const escalations = [...(script.escalations ?? [])];
  const proposalList: Proposal[] = [];
  const proposals: ProposalPort = {
    awaiting: async (stage) =>
      proposalList.filter(
        (entry) => entry.status === "awaiting" && (stage === undefined || entry.stage === stage),
      ),
    get: async (id) => proposalList.find((entry) => entry.id === id),
    async propose(input) {
      const proposal: Proposal = {
        ...input,
        id: `${input.stage}-${proposalList.length + 1}`,
        status: "awaiting",
        createdAt: "2026-11-29T12:00:00Z",
      };
      proposalList.push(proposal);
      return proposal;
    },
    async decide(id, verdict) {
      const proposal = proposalList.find((entry) => entry.id === id);
      if (proposal) {
        proposal.status = verdict;
      }
    },
    rejectedFixes: async (stage, template) =>
      proposalList
        .filter((p) => p.status === "rejected" && p.stage === stage && p.fingerprint.template === template)
        .flatMap((p) => (p.fixId === undefined ? [] : [p.fixId])),
    // The same change: in memory, the same commit (a scripted executor outcome returned again).
    rejectedBefore: async (stage, template, commit, fixId) =>
      proposalList.find(
        (p) =>
          p.status === "rejected" &&
          p.stage === stage &&
          p.fingerprint.template === template &&
          (p.commit === commit || (fixId !== undefined && p.fixId === fixId)),
      )?.id,
  };
  const silent: Reporter = { stageStarted() {}, line() {}, stageFinished() {}, note() {} };

  const memory: FixMemoryPort = {
    async untriedFix(_stage, fingerprint, tried) {
      const match = rememberedText.find(([text]) => fingerprint.lines.some((line) => line.includes(text)));
      const id = match?.[1] ?? remembered.get(fingerprint.template);
      return id !== undefined && !tried.includes(id) ? id : undefined;
    },
    async replay(fixId) {
      calls.push(`replay ${fixId}`);
      return land(replayOutcomes.shift() ?? { kind: "no_change", summary: "nothing scripted" });
    },
    async verified(_stage, fingerprint, commit, fixId) {
      verified.push({ commit, fixId });
      remembered.set(fingerprint.template, fixId ?? `fix-${commit}`);
    },
    async demote(fixId) {
      demoted.push(fixId);
    },
    async rememberHumanFix() {
      return undefined;
    },
  };
  const executor: ExecutorPort | undefined = script.executor
    ? {
        name: "scripted",
        async run(request: FixRequest) {
          calls.push(`executor ${request.fingerprint.lines.join(" ")}`);
          return {
            outcome: land(executorOutcomes.shift() ?? { kind: "no_change", summary: "nothing scripted" }),
            notes: { summary: "looked at config/cluster.yaml", filesOpened: ["config/cluster.yaml"] },
            apiRequests: 0,
          };
        },
      }
    : undefined;
  let caseVersion = 0;
  const escalator: EscalatorPort = {
    configured: script.escalations !== undefined,
    async escalate(_request, budget, account) {
      calls.push(`escalate (${budget.remainingCalls} calls left)`);
      const next = escalations.shift() ?? {
        outcome: { kind: "no_patch", reason: "nothing scripted" },
        calls: 1,
      };
      const caseRef: CaseRef = { id: "case-1", version: 0, dir: "ai/escalations/vms/case-1" };
      for (let call = 0; call < Math.min(next.calls, budget.remainingCalls); call++) {
        caseVersion++;
        await account({
          requests: 1,
          usage: { inputTokens: 1000, outputTokens: 100 },
          model: "scripted-model",
          answer: next.outcome.kind === "patched" ? "patch" : "diagnostics",
          caseDir: caseRef.dir,
        });
      }
      if (next.outcome.kind === "patched") {
        land(next.outcome);
      }
      return { outcome: next.outcome, case: { ...caseRef, version: caseVersion } };
    },
    async writeCaseFile() {
      calls.push("write case file");
      return { id: "case-0", version: 1, dir: "ai/escalations/vms/case-0" };
    },
  };

  const harness: LoopHarness = {
    root,
    state,
    calls,
    ran,
    reverted,
    remembered,
    demoted,
    verified,
    proposals: proposalList,
    issues: () => {
      const path = join(root, "ai/issues.txt");
      return existsSync(path) ? readFileSync(path, "utf8") : "";
    },
    commit: (files) => {
      branch.push({ commit: `human-${branch.length + 1}`, files });
    },
    abort: () => controller.abort(),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
    ctx: {
      repoRoot: root,
      contextMap: parseContextMap(script.contextMap ?? CONTEXT_MAP),
      settings: { ...DEFAULT_SETTINGS, retryBackoffMs: 0, ...script.settings },
      state,
      workspace: {
        workdir: root,
        head: async () => branch.at(-1)?.commit ?? "head-0",
        revert: async (commit) => {
          reverted.push(commit);
          const files = branch.find((entry) => entry.commit === commit)?.files ?? [];
          branch.push({ commit: `revert-of-${commit}`, files });
          return `revert-of-${commit}`;
        },
        holds: async (commit) => branch.some((entry) => entry.commit === commit),
        changedSince: async (since) => {
          const at = since === "head-0" ? -1 : branch.findIndex((entry) => entry.commit === since);
          if (at === -1 && since !== "head-0") {
            return undefined;
          }
          return [...new Set(branch.slice(at + 1).flatMap((entry) => entry.files))];
        },
      },
      stages: {
        async run(input) {
          runNumber++;
          script.beforeRun?.(runNumber, harness);
          const own = script.runsByStage?.[input.stage];
          const ownNumber = (stageRuns.get(input.stage) ?? 0) + 1;
          stageRuns.set(input.stage, ownNumber);
          ran.push(input.stage);
          const scripted = own
            ? (own[Math.min(ownNumber, own.length) - 1] ?? { green: true })
            : (script.runs[Math.min(runNumber, script.runs.length) - 1] ?? { green: true });
          const started = new Date(Date.UTC(2026, 10, 29, 12, 0, runNumber));
          const logFile = stageLogFile(input.stage, started, input.attempt);
          mkdirSync(dirname(join(root, logFile)), { recursive: true });
          const text = "green" in scripted ? "all done\n" : `starting ${input.stage}\n${scripted.error}\n`;
          writeFileSync(join(root, logFile), text);
          const interrupted = input.signal.aborted;
          const green = "green" in scripted && !interrupted;
          return {
            logFile,
            process: {
              argv: ["bash", "-c", input.spec.command ?? "false"],
              startFailure: undefined,
              stdout: "",
              stderr: "",
              interleaved: "",
              stdoutBytes: text.length,
              stderrBytes: 0,
              truncated: false,
              pipesAbandoned: false,
              exitCode: green
                ? 0
                : "exitCode" in scripted && scripted.exitCode !== undefined
                  ? scripted.exitCode
                  : 1,
              signal: null,
              timedOut: false,
              interrupted,
              startError: undefined,
              durationMs: 5,
              tail: text.trim().split("\n"),
              outputBytes: text.length,
            },
            checks: [],
            green,
            startedAt: started.toISOString(),
            finishedAt: started.toISOString(),
            summary: green ? "exit 0" : interrupted ? "interrupted" : "exit 1",
          } as StageRunResult;
        },
        check: async () => [],
      },
      fixers: { memory, executor, escalator },
      proposals,
      reporter: silent,
      env: {},
      signal: controller.signal,
      sleep: async () => {},
      redact: async (text) => text.replaceAll("hunter2-secret-token", "[REDACTED]"),
    },
  };
  return harness;
}

/** A patch outcome as an executor or the model reports it; each call gets a new commit. */
let patchNumber = 0;
export function patched(source: string, files = ["config/cluster.yaml"]): FixOutcome & { kind: "patched" } {
  patchNumber++;
  return {
    kind: "patched",
    commit: `c0ffee${String(patchNumber).padStart(4, "0")}aa`,
    source,
    summary: `fix ${patchNumber}`,
    files,
  };
}

/**
 * Executors: the local fixers a failing stage gets below the retry threshold.
 *
 * - `Executor` / `ExecutorRequest` / `ExecutorReport`: the one interface every kind implements.
 * - `executors`: the registry, kind → factory; `chooseExecutor(kind, deps)` resolves `auto`
 *   (codex on PATH, then a configured local model, then the playbooks) and `none`.
 * - `runExecutorFix(executor, request, { sideBranch, rules, repoRoot })` → the loop's `FixResult`:
 *   run, harvest, guard, commit (`Source: <kind>`), or undo and record a refusal.
 * - `executorPort(executor, deps)` (port.ts): the loop's executor port.
 * A stage pack adds kinds of its own (the homelab pack: `playbook`) through `ExecutorDeps.packExecutors`.
 */
import type { ExecutorKind, Settings } from "../../config/index.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import { UserError } from "../../errors/index.ts";
import { createCodexExecutor } from "./codex.ts";
import { createCommandExecutor } from "./command.ts";
import { createOpenAiCompatibleExecutor } from "./openai-compatible.ts";
import type { ConcreteExecutorKind, Executor } from "./types.ts";

export { buildExecutorBrief } from "./brief.ts";
export { CODEX_VERSIONS_CHECKED, codexArgv, createCodexExecutor } from "./codex.ts";
export { commandArgv, createCommandExecutor } from "./command.ts";
export { findOnPath } from "./on-path.ts";
export { createOpenAiCompatibleExecutor } from "./openai-compatible.ts";
export { buildExecutorRequest, type ExecutorPortDeps, executorPort } from "./port.ts";
export { type RunExecutorFixOptions, runExecutorFix } from "./run-fix.ts";
export type { ConcreteExecutorKind, Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export interface ExecutorDeps {
  settings: Pick<
    Settings,
    | "executorCommand"
    | "executorBaseUrl"
    | "executorModel"
    | "executorContextTokens"
    | "executorApiKey"
    | "codexModel"
  >;
  env: NodeJS.ProcessEnv;
  redactor: Pick<Redactor, "redact">;
  /** Kinds a stage pack brings (the homelab pack's `playbook`); without one, that kind is unavailable. */
  packExecutors: Partial<Record<ConcreteExecutorKind, () => Executor>>;
}

/** Share of the local context window given to the brief of an agent that reads files itself. */
const AGENT_BRIEF_TOKENS = 6_000;

export const executors: Record<ConcreteExecutorKind, (deps: ExecutorDeps) => Executor> = {
  codex: (deps) =>
    createCodexExecutor({
      env: deps.env,
      redactor: deps.redactor,
      briefTokens: AGENT_BRIEF_TOKENS,
      ...(deps.settings.codexModel ? { model: deps.settings.codexModel } : {}),
    }),
  "openai-compatible": (deps) =>
    createOpenAiCompatibleExecutor({
      baseUrl: deps.settings.executorBaseUrl,
      model: deps.settings.executorModel,
      contextTokens: deps.settings.executorContextTokens,
      apiKey: deps.settings.executorApiKey,
      redactor: deps.redactor,
    }),
  command: (deps) =>
    createCommandExecutor({
      template: deps.settings.executorCommand,
      env: deps.env,
      redactor: deps.redactor,
      briefTokens: AGENT_BRIEF_TOKENS,
    }),
  playbook: (deps) => deps.packExecutors.playbook?.() ?? unavailable("playbook"),
};

/** A kind no stage pack provides here: never available. */
function unavailable(kind: ConcreteExecutorKind): Executor {
  return {
    kind,
    available: async () => false,
    run: async () => ({
      outcome: "failed",
      summary: `no stage pack provides ${kind} executors`,
      filesOpened: [],
    }),
  };
}

/** The order `auto` tries: an agent on PATH, then a configured local model, then the playbooks. */
export const AUTO_ORDER: readonly ConcreteExecutorKind[] = ["codex", "openai-compatible", "playbook"];

const HOW_TO_ENABLE: Record<ConcreteExecutorKind, string> = {
  codex: "install the Codex CLI (npm install -g @openai/codex) so `codex` is on PATH",
  "openai-compatible": "set EXECUTOR_BASE_URL and EXECUTOR_MODEL",
  command: "set EXECUTOR_COMMAND (or settings.executor_command) to a command whose program exists",
  playbook: "use a stage pack that brings playbooks (the homelab pack does)",
};

/**
 * The executor a setting names. `auto` takes the first available in `AUTO_ORDER`; `none` gives
 * undefined. A kind named explicitly but not usable is the user's to fix, so it is a `UserError`.
 */
export async function chooseExecutor(kind: ExecutorKind, deps: ExecutorDeps): Promise<Executor | undefined> {
  if (kind === "none") {
    return undefined;
  }
  if (kind === "auto") {
    for (const candidate of AUTO_ORDER) {
      const executor = executors[candidate](deps);
      if (await executor.available()) {
        return executor;
      }
    }
    return undefined;
  }
  const executor = executors[kind](deps);
  if (!(await executor.available())) {
    throw new UserError(`EXECUTOR=${kind} is not available here: ${HOW_TO_ENABLE[kind]}`);
  }
  return executor;
}

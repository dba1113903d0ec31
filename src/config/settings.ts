import { DEFAULT_MAX_CHANGED_LINES, DEFAULT_MAX_FILES } from "../core/patch-guard/limits.ts";
import { APPROVAL_MODES, type ApprovalMode, type ApprovalRules } from "../core/policy/approval.ts";
import { UserError } from "../errors/index.ts";
import { parseDuration } from "./duration.ts";
import { EXECUTOR_KINDS, type ExecutorKindName } from "./executor-kinds.ts";
import type { ContextMap } from "./schema.ts";

/** Everything the loop is tuned by, after flags, environment, file and defaults are merged. */
export interface Settings {
  executorRetryThreshold: number;
  apiCallBudget: number;
  aiBranch: string;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  executor: ExecutorKindName;
  executorCommand: string | undefined;
  executorBaseUrl: string | undefined;
  executorModel: string | undefined;
  executorContextTokens: number;
  /** How long one executor run may take before it is stopped (EXECUTOR_TIMEOUT). */
  executorTimeoutMs: number;
  /** The key a local model server wants, if any (EXECUTOR_API_KEY). */
  executorApiKey: string | undefined;
  /** The model `codex exec` is told to use (CODEX_MODEL); Codex's own default otherwise. */
  codexModel: string | undefined;
  caseFileTokenBudget: number;
  patchMaxFiles: number;
  patchMaxLines: number;
  /** Per fix source, run a fix at once (`auto`) or propose it for approval; a stage's own rules come first. */
  approval: ApprovalRules;
  openai: {
    baseUrl: string;
    apiKey: string | undefined;
    model: string;
    api: "chat" | "responses";
  };
}

/** The seed's default (gpt-4-turbo-preview) is retired; this is a current, inexpensive model with structured output. */
export const DEFAULT_OPENAI_MODEL = "gpt-5-mini";

export const DEFAULT_SETTINGS: Settings = {
  executorRetryThreshold: 3,
  apiCallBudget: 3,
  aiBranch: "ai/orchestrator-stage1",
  retryBackoffMs: 10_000,
  retryBackoffMaxMs: 5 * 60_000,
  executor: "auto",
  executorCommand: undefined,
  executorBaseUrl: undefined,
  executorModel: undefined,
  executorContextTokens: 8_000,
  executorTimeoutMs: 10 * 60_000,
  executorApiKey: undefined,
  codexModel: undefined,
  caseFileTokenBudget: 24_000,
  patchMaxFiles: DEFAULT_MAX_FILES,
  patchMaxLines: DEFAULT_MAX_CHANGED_LINES,
  approval: { default: "auto" },
  openai: {
    baseUrl: "https://api.openai.com/v1",
    apiKey: undefined,
    model: DEFAULT_OPENAI_MODEL,
    api: "chat",
  },
};

/** Command-line flags that override settings; names follow the environment variables. */
export interface SettingFlags {
  executorRetryThreshold?: string;
  apiCallBudget?: string;
  aiBranch?: string;
  retryBackoff?: string;
  executor?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Flags over environment over file over defaults. An invalid value is an error naming where it came from. */
export function resolveSettings(
  contextMap: ContextMap | undefined,
  env: Env,
  flags: SettingFlags = {},
): Settings {
  const file = contextMap?.settings ?? {};
  const pick = (flag: string | undefined, envName: string): { value: string; source: string } | undefined => {
    if (flag !== undefined) {
      return { value: flag, source: `--${kebab(envName)}` };
    }
    const fromEnv = env[envName];
    return fromEnv === undefined || fromEnv === "" ? undefined : { value: fromEnv, source: envName };
  };
  const d = DEFAULT_SETTINGS;
  return {
    executorRetryThreshold:
      integer(pick(flags.executorRetryThreshold, "EXECUTOR_RETRY_THRESHOLD"), 1) ??
      file.executor_retry_threshold ??
      d.executorRetryThreshold,
    apiCallBudget:
      integer(pick(flags.apiCallBudget, "API_CALL_BUDGET"), 0) ?? file.api_call_budget ?? d.apiCallBudget,
    aiBranch: branch(pick(flags.aiBranch, "AI_BRANCH")) ?? file.ai_branch ?? d.aiBranch,
    retryBackoffMs:
      duration(pick(flags.retryBackoff, "RETRY_BACKOFF")) ?? file.retry_backoff ?? d.retryBackoffMs,
    retryBackoffMaxMs: d.retryBackoffMaxMs,
    executor: executorKind(pick(flags.executor, "EXECUTOR")) ?? file.executor ?? d.executor,
    executorCommand: pick(undefined, "EXECUTOR_COMMAND")?.value ?? file.executor_command,
    executorBaseUrl: url(pick(undefined, "EXECUTOR_BASE_URL")),
    executorModel: pick(undefined, "EXECUTOR_MODEL")?.value,
    executorContextTokens:
      integer(pick(undefined, "EXECUTOR_CONTEXT_TOKENS"), 512) ?? d.executorContextTokens,
    executorTimeoutMs: duration(pick(undefined, "EXECUTOR_TIMEOUT"), 1000) ?? d.executorTimeoutMs,
    executorApiKey: pick(undefined, "EXECUTOR_API_KEY")?.value,
    codexModel: pick(undefined, "CODEX_MODEL")?.value,
    caseFileTokenBudget:
      integer(pick(undefined, "CASE_FILE_TOKEN_BUDGET"), 1000) ??
      file.case_file_token_budget ??
      d.caseFileTokenBudget,
    patchMaxFiles: file.patch_max_files ?? d.patchMaxFiles,
    patchMaxLines: file.patch_max_lines ?? d.patchMaxLines,
    // APPROVAL (auto or propose) sets one mode for every source, over the file's rules.
    approval: approvalMode(pick(undefined, "APPROVAL")) ?? file.approval ?? d.approval,
    openai: {
      baseUrl: url(pick(undefined, "OPENAI_BASE_URL")) ?? file.openai_base_url ?? d.openai.baseUrl,
      apiKey: pick(undefined, "OPENAI_API_KEY")?.value,
      model: pick(undefined, "OPENAI_MODEL")?.value ?? file.openai_model ?? d.openai.model,
      api: apiKind(pick(undefined, "OPENAI_API")) ?? d.openai.api,
    },
  };
}

type Picked = { value: string; source: string } | undefined;

function integer(picked: Picked, min: number): number | undefined {
  if (!picked) {
    return undefined;
  }
  const value = Number(picked.value);
  if (!/^\d+$/.test(picked.value.trim()) || value < min) {
    throw new UserError(`${picked.source}="${picked.value}": expected a whole number of at least ${min}`);
  }
  return value;
}

/** A duration of at least `minMs` (0 allows "0", meaning none). */
function duration(picked: Picked, minMs = 0): number | undefined {
  if (!picked) {
    return undefined;
  }
  const value = picked.value.trim() === "0" && minMs === 0 ? 0 : parseDuration(picked.value, picked.source);
  if (value === undefined || value < minMs) {
    const example = minMs === 0 ? "10s, 2m or 0" : "30s or 10m";
    throw new UserError(`${picked.source}="${picked.value}": expected a duration like ${example}`);
  }
  return value;
}

function branch(picked: Picked): string | undefined {
  if (!picked) {
    return undefined;
  }
  if (
    !/^[A-Za-z0-9._/-]+$/.test(picked.value) ||
    picked.value.includes("..") ||
    picked.value.startsWith("-")
  ) {
    throw new UserError(`${picked.source}="${picked.value}": not a valid git branch name`);
  }
  return picked.value;
}

function executorKind(picked: Picked): ExecutorKindName | undefined {
  if (!picked) {
    return undefined;
  }
  const kind = EXECUTOR_KINDS.find((name) => name === picked.value);
  if (!kind) {
    throw new UserError(`${picked.source}="${picked.value}": expected one of ${EXECUTOR_KINDS.join(", ")}`);
  }
  return kind;
}

function url(picked: Picked): string | undefined {
  if (!picked) {
    return undefined;
  }
  if (!URL.canParse(picked.value) || !/^https?:/.test(picked.value)) {
    throw new UserError(`${picked.source}="${picked.value}": expected an http(s) URL`);
  }
  return picked.value.replace(/\/+$/, "");
}

function apiKind(picked: Picked): "chat" | "responses" | undefined {
  if (!picked) {
    return undefined;
  }
  if (picked.value !== "chat" && picked.value !== "responses") {
    throw new UserError(`${picked.source}="${picked.value}": expected chat or responses`);
  }
  return picked.value;
}

function approvalMode(picked: Picked): ApprovalRules | undefined {
  if (!picked) {
    return undefined;
  }
  const mode = APPROVAL_MODES.find((name) => name === picked.value);
  if (!mode) {
    throw new UserError(`${picked.source}="${picked.value}": expected one of ${APPROVAL_MODES.join(", ")}`);
  }
  return { default: mode satisfies ApprovalMode };
}

function kebab(envName: string): string {
  return envName.toLowerCase().replaceAll("_", "-");
}

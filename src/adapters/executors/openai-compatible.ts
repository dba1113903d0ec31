import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ESCALATION_ANSWER_FORMAT } from "../../core/escalation/index.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import { fileStamp } from "../../core/repo-layout/index.ts";
import { createLlmClient, type LlmClient } from "../llm/index.ts";
import { buildExecutorBrief } from "./brief.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

export interface OpenAiCompatibleExecutorOptions {
  /** EXECUTOR_BASE_URL, e.g. http://127.0.0.1:11434/v1 for Ollama. */
  baseUrl: string | undefined;
  /** EXECUTOR_MODEL, e.g. qwen2.5-coder:14b. */
  model: string | undefined;
  /** EXECUTOR_CONTEXT_TOKENS: the model's context window. */
  contextTokens: number;
  /** EXECUTOR_API_KEY when the server wants one; local servers take any value. */
  apiKey: string | undefined;
  redactor: Pick<Redactor, "redact">;
  /** For tests: a client built elsewhere. */
  client?: LlmClient;
}

/**
 * The local model's own system message. It is the first fixer to see the error (an escalation's
 * prompt says local fixes did not help, which here would be false), and it answers in the same
 * JSON as escalation so its patch passes the same applier and guard.
 */
export const LOCAL_FIXER_SYSTEM_PROMPT = [
  "You are a careful site reliability engineer fixing one failing stage of a homelab's bootstrap:",
  "Talos Linux Kubernetes on Proxmox VE, managed with GitOps. You are the first to look at this",
  "error. Read the brief (the error, the log tail and the stage's files), find the most likely cause",
  "in the repo's configuration, and answer with exactly one JSON object as the brief's last section",
  "describes: a small patch when the fix is clear from what you see, diagnostics when you lack facts,",
  "or give_up when no configuration change can fix it. Change as little as possible, never touch",
  "protected or secret files, and never invent file contents you have not seen.",
].join(" ");

/** The share of the context window the brief may fill; the rest is the system prompt and the answer. */
const PROMPT_SHARE = 0.6;
/** One answer and one re-ask when it breaks the schema. */
const REQUESTS_PER_RUN = 2;

/**
 * A local model (Ollama, llama.cpp, LM Studio, vLLM) asked for the escalation answer's JSON: a
 * patch as a unified diff, which `runExecutorFix` passes through the guard as given. Every text
 * sent passes the redactor (the LLM client redacts each message again on send).
 */
export function createOpenAiCompatibleExecutor(options: OpenAiCompatibleExecutorOptions): Executor {
  return {
    kind: "openai-compatible",
    available: async () =>
      options.client !== undefined || (Boolean(options.baseUrl) && Boolean(options.model)),
    run: (request) => runLocalModel(options, request),
  };
}

async function runLocalModel(
  options: OpenAiCompatibleExecutorOptions,
  request: ExecutorRequest,
): Promise<ExecutorReport> {
  const client =
    options.client ??
    createLlmClient({
      baseURL: options.baseUrl ?? "",
      apiKey: options.apiKey ?? "local",
      model: options.model ?? "",
      api: "chat",
      deadlineMs: request.timeoutMs,
      redactor: options.redactor,
    });
  const brief = await buildExecutorBrief(request, {
    tokenBudget: Math.floor(options.contextTokens * PROMPT_SHARE),
    redactor: options.redactor,
    audience: "diff",
  });
  const result = await client.ask({
    system: LOCAL_FIXER_SYSTEM_PROMPT,
    user: brief,
    format: ESCALATION_ANSWER_FORMAT,
    remainingRequests: REQUESTS_PER_RUN,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  await mkdir(request.logDir, { recursive: true });
  await writeFile(
    join(request.logDir, `local-model_${fileStamp()}.json`),
    `${JSON.stringify(
      {
        model: client.model,
        requests: result.requests,
        usage: result.usage,
        ok: result.ok,
        answer: result.ok ? result.answer : null,
        reason: result.ok ? null : result.reason,
      },
      null,
      2,
    )}\n`,
  );
  const filesOpened = request.relevantFiles.filter((path) => brief.includes(path));
  const apiRequests = result.requests;
  if (!result.ok) {
    return {
      outcome: "failed",
      summary: `local model ${client.model}: ${result.reason}`,
      filesOpened,
      apiRequests,
    };
  }
  const { answer } = result;
  switch (answer.action) {
    case "patch":
      return { outcome: "changed", summary: answer.summary, filesOpened, diff: answer.patch, apiRequests };
    case "diagnostics":
      return {
        outcome: "no_change",
        summary: `the local model wants diagnostics first (${answer.commands.map((c) => c.command).join("; ")}): ${answer.hypothesis}`,
        filesOpened,
        apiRequests,
      };
    case "give_up":
      return {
        outcome: "no_change",
        summary: `the local model sees no safe fix: ${answer.reason}`,
        filesOpened,
        apiRequests,
      };
  }
}

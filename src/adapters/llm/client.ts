import {
  type LlmMessage,
  type LlmUsage,
  type ResponseSchema,
  type SendOutcome,
  sendOnce,
} from "./transport.ts";

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
/** Per call (all retries and the re-ask included). */
export const DEFAULT_DEADLINE_MS = 120_000;
/** A server asking us to wait longer than this is treated as "not now". */
export const MAX_RETRY_AFTER_MS = 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** Tries to reach a server that is not there before saying so (none is a paid call). */
const MAX_UNREACHED_TRIES = 4;

/** What the client needs of the redactor (`Redactor` from src/core/redaction fits). */
export interface TextRedactor {
  redact(text: string): string;
}

export interface LlmClientOptions {
  /** OPENAI_BASE_URL; any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio). */
  baseURL?: string;
  apiKey: string;
  /** OPENAI_MODEL; the project default is `DEFAULT_OPENAI_MODEL` ("gpt-5-mini") in src/config. */
  model: string;
  /** Chat Completions (works with nearly every server) or the Responses API. */
  api: "chat" | "responses";
  /** Budget in time for one `ask`, retries and re-ask included. */
  deadlineMs: number;
  /** Every outgoing text passes through it. */
  redactor: TextRedactor;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * What the answer must look like: the JSON Schema sent as structured output, and the parser that
 * turns the model's text into a value (or says why it cannot). The client knows no answer of its
 * own: escalation and the local-model executor each bring theirs.
 */
export interface AnswerFormat<Answer> {
  schema: ResponseSchema;
  parse(text: string): { ok: true; answer: Answer; label: string } | { ok: false; reason: string };
}

export interface LlmRequest<Answer> {
  system: string;
  user: string;
  format: AnswerFormat<Answer>;
  /** Hard cap on HTTP requests this call may send; every retry and re-ask counts. */
  remainingRequests: number;
  signal?: AbortSignal;
}

export type LlmResult<Answer> =
  | {
      ok: true;
      answer: Answer;
      requests: number;
      usage: LlmUsage;
      rawText: string;
      attempts: LlmAttempt[];
    }
  | {
      ok: false;
      reason: string;
      requests: number;
      usage: LlmUsage;
      rawText?: string;
      attempts: LlmAttempt[];
    };

/** One HTTP request and what became of it, for the escalation record. */
export interface LlmAttempt {
  outcome: "answer" | "schema_break" | "retryable_error" | "error" | "unreached";
  detail: string;
}

export interface LlmClient {
  readonly model: string;
  readonly api: "chat" | "responses";
  ask<Answer>(request: LlmRequest<Answer>): Promise<LlmResult<Answer>>;
}

export function createLlmClient(options: LlmClientOptions): LlmClient {
  const sleep = options.sleep ?? sleepFor;
  let openaiPromise: Promise<import("openai").OpenAI> | undefined;
  const openai = () => {
    // Imported on first use: the SDK costs startup time the CLI's other commands should not pay.
    openaiPromise ??= import("openai").then(
      ({ OpenAI }) =>
        new OpenAI({
          apiKey: options.apiKey,
          baseURL: options.baseURL ?? DEFAULT_OPENAI_BASE_URL,
          maxRetries: 0,
          timeout: options.deadlineMs,
        }),
    );
    return openaiPromise;
  };

  return {
    model: options.model,
    api: options.api,
    async ask<Answer>(request: LlmRequest<Answer>): Promise<LlmResult<Answer>> {
      const deadlineAt = Date.now() + options.deadlineMs;
      const usage: LlmUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };
      const attempts: LlmAttempt[] = [];
      const conversation: LlmMessage[] = [
        { role: "system", content: request.system },
        { role: "user", content: request.user },
      ];
      let requests = 0;
      let unreachedTries = 0;
      let transientFailures = 0;
      let reasked = false;
      let rawText: string | undefined;
      const fail = (reason: string): LlmResult<Answer> => ({
        ok: false,
        reason: options.redactor.redact(reason),
        requests,
        usage,
        ...(rawText === undefined ? {} : { rawText }),
        attempts,
      });

      for (;;) {
        if (requests >= request.remainingRequests) {
          return fail(
            requests === 0
              ? "no API requests are left in this escalation's budget"
              : `stopped after ${requests} request(s): the API budget allows no more`,
          );
        }
        if (request.signal?.aborted) {
          return fail("the call was cancelled");
        }
        const timeLeft = deadlineAt - Date.now();
        if (timeLeft <= 0) {
          return fail(`the ${options.deadlineMs} ms deadline for this call passed`);
        }
        requests += 1;
        const outcome: SendOutcome = await sendOnce({
          openai: await openai(),
          api: options.api,
          model: options.model,
          // The one place every outgoing text passes: each message is redacted on every send.
          messages: conversation.map((message) => ({
            ...message,
            content: options.redactor.redact(message.content),
          })),
          responseSchema: request.format.schema,
          timeoutMs: timeLeft,
          ...(request.signal ? { signal: request.signal } : {}),
        });

        if (!outcome.ok && outcome.unreached) {
          // Never sent: not a paid call, so it does not count against the budget; retried a few
          // times within the deadline in case the server is just starting.
          requests -= 1;
          unreachedTries += 1;
          const reason = `could not reach the model API at ${options.baseURL ?? DEFAULT_OPENAI_BASE_URL}: ${outcome.reason}`;
          attempts.push({ outcome: "unreached", detail: options.redactor.redact(reason) });
          const wait = Math.min(BACKOFF_BASE_MS * 2 ** (unreachedTries - 1), BACKOFF_MAX_MS);
          if (unreachedTries >= MAX_UNREACHED_TRIES || Date.now() + wait >= deadlineAt) {
            return fail(`${reason} (tried ${unreachedTries} times; no API call was spent)`);
          }
          await sleep(wait, request.signal);
          continue;
        }
        if (!outcome.ok) {
          // Error texts can quote what was sent (a key in a 401, a line of the prompt in a 400).
          attempts.push({
            outcome: outcome.retryable ? "retryable_error" : "error",
            detail: options.redactor.redact(outcome.reason),
          });
          if (!outcome.retryable) {
            return fail(outcome.reason);
          }
          if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > MAX_RETRY_AFTER_MS) {
            // Asking again sooner than the server said would only spend another call on the same answer.
            return fail(
              `${outcome.reason}; the server asks to wait ${Math.round(outcome.retryAfterMs / 1000)}s`,
            );
          }
          const wait =
            outcome.retryAfterMs ?? Math.min(BACKOFF_BASE_MS * 2 ** transientFailures, BACKOFF_MAX_MS);
          transientFailures += 1;
          if (requests >= request.remainingRequests) {
            return fail(`${outcome.reason}; no requests left in the budget to retry`);
          }
          if (Date.now() + wait >= deadlineAt) {
            return fail(`${outcome.reason}; the ${options.deadlineMs} ms deadline leaves no time to retry`);
          }
          await sleep(wait, request.signal);
          continue;
        }

        addUsage(usage, outcome.usage);
        rawText = outcome.text;
        const parsed = request.format.parse(outcome.text);
        if (parsed.ok) {
          attempts.push({ outcome: "answer", detail: parsed.label });
          return { ok: true, answer: parsed.answer, requests, usage, rawText, attempts };
        }
        attempts.push({ outcome: "schema_break", detail: options.redactor.redact(parsed.reason) });
        if (reasked) {
          return fail(`the model's answer broke the schema again after one re-ask: ${parsed.reason}`);
        }
        reasked = true;
        transientFailures = 0;
        conversation.push(
          { role: "assistant", content: outcome.text },
          {
            role: "user",
            content: `Your answer could not be used: ${parsed.reason}. Answer again with exactly one JSON object that matches the answer schema, and nothing else.`,
          },
        );
      }
    },
  };
}

function addUsage(total: LlmUsage, more: LlmUsage): void {
  total.inputTokens += more.inputTokens;
  total.outputTokens += more.outputTokens;
  total.totalTokens += more.totalTokens;
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

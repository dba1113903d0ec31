import type OpenAI from "openai";

export interface LlmMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** The outcome of exactly one HTTP request. */
export type SendOutcome =
  | { ok: true; text: string; usage: LlmUsage }
  | {
      ok: false;
      retryable: boolean;
      reason: string;
      retryAfterMs?: number;
      /** The request never reached a server (refused, no such host, no route): nothing was spent. */
      unreached?: true;
    };

/** The JSON Schema the answer must follow (structured output, strict mode). */
export interface ResponseSchema {
  name: string;
  schema: Record<string, unknown>;
}

export interface SendRequest {
  openai: OpenAI;
  api: "chat" | "responses";
  model: string;
  messages: LlmMessage[];
  responseSchema: ResponseSchema;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Sends one request (the SDK's own retries are off) and classifies what came back. */
export async function sendOnce(request: SendRequest): Promise<SendOutcome> {
  const { openai, api, model, messages, timeoutMs, signal, responseSchema } = request;
  const options = { timeout: timeoutMs, maxRetries: 0, ...(signal ? { signal } : {}) };
  try {
    if (api === "responses") {
      const response = await openai.responses.create(
        {
          model,
          input: messages.map((message) => ({ role: message.role, content: message.content })),
          text: {
            format: {
              type: "json_schema",
              name: responseSchema.name,
              schema: responseSchema.schema,
              strict: true,
            },
          },
          // Case files describe a private network; nothing needs to be kept on the provider's side.
          store: false,
        },
        options,
      );
      return fromResponses(response);
    }
    const completion = await openai.chat.completions.create(
      {
        model,
        messages,
        response_format: {
          type: "json_schema",
          json_schema: {
            name: responseSchema.name,
            schema: responseSchema.schema,
            strict: true,
          },
        },
      },
      options,
    );
    return fromChat(completion);
  } catch (error) {
    return await classifyError(error, signal);
  }
}

function fromChat(completion: OpenAI.Chat.Completions.ChatCompletion): SendOutcome {
  const message = completion.choices?.[0]?.message;
  if (message?.refusal) {
    return { ok: false, retryable: false, reason: `the model refused to answer: ${message.refusal}` };
  }
  const usage = completion.usage;
  return {
    ok: true,
    text: message?.content ?? "",
    usage: {
      inputTokens: usage?.prompt_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? (usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0),
    },
  };
}

function fromResponses(response: OpenAI.Responses.Response): SendOutcome {
  let text = "";
  for (const item of response.output ?? []) {
    if (item.type !== "message") {
      continue;
    }
    for (const part of item.content) {
      if (part.type === "output_text") {
        text += part.text;
      } else if (part.type === "refusal") {
        return { ok: false, retryable: false, reason: `the model refused to answer: ${part.refusal}` };
      }
    }
  }
  const usage = response.usage;
  return {
    ok: true,
    text,
    usage: {
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      totalTokens: usage?.total_tokens ?? (usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0),
    },
  };
}

async function classifyError(error: unknown, signal: AbortSignal | undefined): Promise<SendOutcome> {
  const { APIError, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } = await import(
    "openai"
  );
  if (signal?.aborted || error instanceof APIUserAbortError) {
    return { ok: false, retryable: false, reason: "the request was cancelled" };
  }
  if (error instanceof APIConnectionTimeoutError) {
    return { ok: false, retryable: true, reason: "the request timed out" };
  }
  if (error instanceof APIConnectionError) {
    const cause = systemCause(error);
    if (cause?.code !== undefined && NEVER_SENT_CODES.has(cause.code)) {
      return {
        ok: false,
        retryable: true,
        unreached: true,
        reason: `${NEVER_SENT_CODES.get(cause.code)} (${cause.code}${cause.where ? ` ${cause.where}` : ""})`,
      };
    }
    const detail = cause ? `: ${cause.message}` : "";
    return { ok: false, retryable: true, reason: `the connection to the model API failed${detail}` };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const detail = firstLine(error.message);
    if (status === 429) {
      const retryAfterMs = retryAfterFrom(error.headers);
      return {
        ok: false,
        retryable: true,
        reason: `the model API is rate limiting (429): ${detail}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    if (status === 408 || status === 409 || status >= 500) {
      const retryAfterMs = retryAfterFrom(error.headers);
      return {
        ok: false,
        retryable: true,
        reason: `the model API failed (${status}): ${detail}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    return {
      ok: false,
      retryable: false,
      reason: `the model API refused the request (${status}): ${detail}`,
    };
  }
  // The SDK throws plain errors when a 200 body is not JSON, or is cut off mid-way.
  const detail = error instanceof Error ? firstLine(error.message) : String(error);
  return {
    ok: false,
    retryable: true,
    reason: `the model API sent a response that could not be read: ${detail}`,
  };
}

/**
 * Failures that happen before a request is sent, so no provider can have billed it: the
 * connection was refused, the host name does not resolve, or there is no route. (Node's fetch,
 * undici, reports them as `TypeError: fetch failed` whose `cause` carries the system error code.)
 */
const NEVER_SENT_CODES = new Map<string, string>([
  ["ECONNREFUSED", "nothing listens there: the connection was refused"],
  ["ENOTFOUND", "the host name does not resolve"],
  ["EAI_AGAIN", "the host name could not be resolved right now"],
  ["EHOSTUNREACH", "the host cannot be reached"],
  ["ENETUNREACH", "the network cannot be reached"],
]);

/** The first error in the `cause` chain that carries a system error code. */
function systemCause(error: unknown): { code?: string; message: string; where?: string } | undefined {
  let current: unknown = error;
  let first: { message: string } | undefined;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    first ??= depth > 0 ? { message: current.message } : undefined;
    const { code, address, port } = current as NodeJS.ErrnoException & { address?: string; port?: number };
    if (typeof code === "string" && code !== "") {
      const where = address === undefined ? undefined : `${address}${port === undefined ? "" : `:${port}`}`;
      return { code, message: current.message, ...(where === undefined ? {} : { where }) };
    }
    current = current.cause;
  }
  return first;
}

/** `retry-after-ms` (OpenAI's), else `retry-after` as seconds or an HTTP date. */
export function retryAfterFrom(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Number(ms);
  }
  const after = headers?.get("retry-after");
  if (!after) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(after.trim())) {
    return Number(after) * 1000;
  }
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

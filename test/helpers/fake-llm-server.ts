/**
 * A loopback HTTP server that plays an OpenAI-compatible model API for tests.
 *
 *   const server = await startFakeLlmServer([
 *     fakeReply.answer({ action: "give_up", reason: "needs a human" }),
 *     fakeReply.status(429, { "retry-after": "0" }),
 *     (request) => fakeReply.text(`you sent ${request.bodyText.length} bytes`),
 *   ]);
 *   createLlmClient({ baseURL: server.baseURL, ... });
 *   server.requests[0].bodyText; // the exact bytes received
 *   await server.close();
 *
 * Request N (counted from 0, whatever its path) gets script item N; requests past the end of the
 * script get a 500 saying so. It answers `POST /v1/chat/completions` and `POST /v1/responses` with
 * the non-streaming JSON shapes OpenAI sends, `usage` included, and records every request.
 */
import type { ServerResponse } from "node:http";
import { type ReceivedRequest, startLoopbackServer } from "./loopback-server.ts";

export type RecordedRequest = ReceivedRequest;

export type FakeReply =
  /** A model answer whose text is `JSON.stringify(value)`. */
  | { kind: "answer"; value: unknown; usage?: FakeUsage }
  /** A model answer with exactly this text. */
  | { kind: "text"; text: string; usage?: FakeUsage }
  /** Any status, headers and body (default body: an OpenAI-style error object). */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** Accept the request and never answer (until the server closes). */
  | { kind: "hang" }
  /** HTTP 200 whose body is not JSON. */
  | { kind: "invalid-json" }
  /** HTTP 200 that promises more bytes than it sends, then drops the connection. */
  | { kind: "truncated" };

export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
}

export type ScriptItem = FakeReply | ((request: RecordedRequest) => FakeReply);

export interface FakeLlmServer {
  /** `http://127.0.0.1:<port>/v1`, ready for `baseURL`. */
  baseURL: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const fakeReply = {
  answer: (value: unknown, usage?: FakeUsage): FakeReply =>
    usage ? { kind: "answer", value, usage } : { kind: "answer", value },
  text: (text: string, usage?: FakeUsage): FakeReply =>
    usage ? { kind: "text", text, usage } : { kind: "text", text },
  status: (status: number, headers?: Record<string, string>, body?: string): FakeReply => ({
    kind: "status",
    status,
    ...(headers ? { headers } : {}),
    ...(body === undefined ? {} : { body }),
  }),
  hang: (): FakeReply => ({ kind: "hang" }),
  invalidJson: (): FakeReply => ({ kind: "invalid-json" }),
  truncated: (): FakeReply => ({ kind: "truncated" }),
};

const DEFAULT_USAGE: FakeUsage = { inputTokens: 1200, outputTokens: 300 };

export async function startFakeLlmServer(script: ScriptItem[]): Promise<FakeLlmServer> {
  const requests: RecordedRequest[] = [];
  const server = await startLoopbackServer((recorded, res) => {
    const index = requests.length;
    requests.push(recorded);
    const item = script[index];
    const reply: FakeReply =
      item === undefined
        ? fakeReply.status(500, {}, errorBody(`fake server: no scripted reply for request ${index + 1}`))
        : typeof item === "function"
          ? item(recorded)
          : item;
    respond(recorded, reply, res);
  });
  return { baseURL: server.baseURL, requests, close: server.close };
}

function respond(request: RecordedRequest, reply: FakeReply, res: ServerResponse): void {
  switch (reply.kind) {
    case "answer":
    case "text": {
      const text = reply.kind === "answer" ? JSON.stringify(reply.value) : reply.text;
      const body = request.path.endsWith("/responses")
        ? responsesBody(text, reply.usage ?? DEFAULT_USAGE, request)
        : chatBody(text, reply.usage ?? DEFAULT_USAGE, request);
      sendJson(res, 200, JSON.stringify(body), { "x-request-id": `req_fake_${Date.now()}` });
      return;
    }
    case "status":
      sendJson(
        res,
        reply.status,
        reply.body ?? errorBody(`fake status ${reply.status}`),
        reply.headers ?? {},
      );
      return;
    case "hang":
      return;
    case "invalid-json":
      sendJson(res, 200, '{"id": "chatcmpl-broken", "choices": [', {});
      return;
    case "truncated":
      res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
      res.write('{"id":"chatcmpl-trunc","object":"chat.completion","choices":[{"index":0,"mess');
      setImmediate(() => res.socket?.destroy());
      return;
  }
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

function errorBody(message: string): string {
  return JSON.stringify({ error: { message, type: "server_error", param: null, code: null } });
}

function modelOf(request: RecordedRequest): string {
  const json = request.json as { model?: unknown } | undefined;
  return typeof json?.model === "string" ? json.model : "fake-model";
}

function chatBody(text: string, usage: FakeUsage, request: RecordedRequest): unknown {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: modelOf(request),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
    service_tier: "default",
    system_fingerprint: null,
  };
}

function responsesBody(text: string, usage: FakeUsage, request: RecordedRequest): unknown {
  return {
    id: "resp_fake",
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    error: null,
    incomplete_details: null,
    model: modelOf(request),
    output: [
      {
        id: "msg_fake",
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text, annotations: [] }],
      },
    ],
    usage: {
      input_tokens: usage.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeLlmServer,
  fakeReply,
  type ScriptItem,
  startFakeLlmServer,
} from "../../../test/helpers/fake-llm-server.ts";
import { ESCALATION_ANSWER_FORMAT } from "../../core/escalation/index.ts";
import { createLlmClient, type LlmClientOptions } from "./index.ts";

const giveUp = { action: "give_up", reason: "the Proxmox token lacks VM.Allocate; a human must grant it" };
const patch = {
  action: "patch",
  summary: "Use the storage that exists",
  hypothesis: "the node has local-zfs, not local-lvm",
  expected_effect: "qm create succeeds",
  // Cut off mid-hunk, as a model sometimes sends it: the client must pass it on untouched.
  patch:
    "--- a/config/clusters/lab.yaml\n+++ b/config/clusters/lab.yaml\n@@ -3,7 +3,7 @@\n proxmox:\n-  storage: local-lvm\n",
};

// Stands in for the redactor: the client's job is to pass every outgoing text through it.
const SEEDED = "sk-proj-Q2hlY2tUaGlzSXNOb3RBUmVhbEtleUJ1dExvb2tzTGlrZU9uZQ";
const redactor = { redact: (text: string) => text.replaceAll(SEEDED, "[REDACTED:openai-key#1]") };

let server: FakeLlmServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: ScriptItem[], overrides: Partial<LlmClientOptions> = {}) {
  server = await startFakeLlmServer(script);
  const sleeps: number[] = [];
  const client = createLlmClient({
    baseURL: server.baseURL,
    apiKey: "test-key",
    model: "test-model",
    api: "chat",
    deadlineMs: 20_000,
    redactor,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { client, sleeps, server };
}

interface SentBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: unknown;
  text?: unknown;
  store?: boolean;
}

function bodyOf(fake: FakeLlmServer, index: number): SentBody {
  const body = fake.requests[index]?.json;
  if (body === undefined) {
    throw new Error(`request ${index} was not JSON`);
  }
  return body as SentBody;
}

const ask = {
  system: "You fix homelabs.",
  user: "# Case file\nthe stage failed",
  remainingRequests: 3,
  format: ESCALATION_ANSWER_FORMAT,
};

describe("createLlmClient", () => {
  it("asks Chat Completions with a strict JSON Schema and returns the parsed answer with usage", async () => {
    const { client, server } = await clientFor([
      fakeReply.answer(giveUp, { inputTokens: 900, outputTokens: 40 }),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({
      ok: true,
      answer: giveUp,
      requests: 1,
      usage: { inputTokens: 900, outputTokens: 40, totalTokens: 940 },
    });
    expect(server.requests).toHaveLength(1);
    const body = bodyOf(server, 0);
    expect(server.requests[0]?.path).toBe("/v1/chat/completions");
    expect(body.model).toBe("test-model");
    expect(body.response_format).toMatchObject({ type: "json_schema", json_schema: { strict: true } });
    expect(body.messages).toEqual([
      { role: "system", content: ask.system },
      { role: "user", content: ask.user },
    ]);
    expect(server.requests[0]?.headers.authorization).toBe("Bearer test-key");
  });

  it("speaks the Responses API when asked to", async () => {
    const { client, server } = await clientFor(
      [fakeReply.answer(giveUp, { inputTokens: 10, outputTokens: 5 })],
      {
        api: "responses",
      },
    );
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, answer: giveUp, requests: 1, usage: { totalTokens: 15 } });
    expect(server.requests[0]?.path).toBe("/v1/responses");
    const body = bodyOf(server, 0);
    expect(body.text).toMatchObject({
      format: { type: "json_schema", strict: true, name: "escalation_answer" },
    });
    expect(body.store).toBe(false);
  });

  it("waits as long as a 429's retry-after says, then retries", async () => {
    const { client, sleeps, server } = await clientFor([
      fakeReply.status(429, { "retry-after": "2" }),
      fakeReply.status(429, { "retry-after-ms": "15" }),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, requests: 3 });
    expect(sleeps).toEqual([2000, 15]);
    expect(server.requests).toHaveLength(3);
  });

  it("stops at a retry-after longer than a minute instead of spending another call too early", async () => {
    const { client, sleeps, server } = await clientFor(
      [fakeReply.status(429, { "retry-after": "3600" }), fakeReply.answer(giveUp)],
      {
        deadlineMs: 120_000,
      },
    );
    const result = await client.ask(ask);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain("the server asks to wait 3600s");
    expect(result.requests).toBe(1);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 500 with backoff and counts every request", async () => {
    const { client, sleeps } = await clientFor([
      fakeReply.status(500),
      fakeReply.status(502),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, requests: 3 });
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("never sends more requests than the budget allows, even while retrying", async () => {
    const { client, server } = await clientFor([
      fakeReply.status(500),
      fakeReply.status(500),
      fakeReply.status(500),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask({ ...ask, remainingRequests: 2 });
    expect(result.ok).toBe(false);
    expect(result.requests).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(result.ok ? "" : result.reason).toContain("no requests left in the budget");
  });

  it("sends nothing when the budget is already spent", async () => {
    const { client, server } = await clientFor([fakeReply.answer(giveUp)]);
    const result = await client.ask({ ...ask, remainingRequests: 0 });
    expect(result).toMatchObject({ ok: false, requests: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it("gives up on a server that hangs past the per-call deadline", async () => {
    const { client, server } = await clientFor([fakeReply.hang(), fakeReply.answer(giveUp)], {
      deadlineMs: 400,
    });
    const result = await client.ask(ask);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain("timed out");
    expect(result.requests).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("does not retry a 401: a wrong key stays wrong", async () => {
    const { client, server } = await clientFor([
      fakeReply.status(
        401,
        {},
        JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error" } }),
      ),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: false, requests: 1 });
    expect(result.ok ? "" : result.reason).toContain("401");
    expect(server.requests).toHaveLength(1);
  });

  it("retries a 200 whose body is not JSON, and one cut off mid-way", async () => {
    const { client } = await clientFor([
      fakeReply.invalidJson(),
      fakeReply.truncated(),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, requests: 3 });
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual([
      "retryable_error",
      "retryable_error",
      "answer",
    ]);
  });

  it("re-asks once when the answer breaks the schema, saying what was wrong, and counts it", async () => {
    const { client, server } = await clientFor([
      fakeReply.answer({ action: "patch", summary: "fix storage" }),
      fakeReply.text(`\`\`\`json\n${JSON.stringify(giveUp)}\n\`\`\``),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, answer: giveUp, requests: 2 });
    const { messages } = bodyOf(server, 1);
    expect(messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(messages[3]?.content).toContain("hypothesis:");
  });

  it("stops after the one re-ask when the model still answers prose", async () => {
    const { client, server } = await clientFor([
      fakeReply.text("I think the storage is wrong."),
      fakeReply.text("Sorry, here is the fix: change local-lvm."),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({
      ok: false,
      requests: 2,
      rawText: "Sorry, here is the fix: change local-lvm.",
    });
    expect(result.ok ? "" : result.reason).toContain("not valid JSON");
    expect(server.requests).toHaveLength(2);
  });

  it("does not spend a re-ask the budget does not have", async () => {
    const { client, server } = await clientFor([fakeReply.text("not json"), fakeReply.answer(giveUp)]);
    const result = await client.ask({ ...ask, remainingRequests: 1 });
    expect(result).toMatchObject({ ok: false, requests: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("returns a truncated diff as the patch it is; judging it is the patch guard's job", async () => {
    const { client } = await clientFor([fakeReply.answer(patch)]);
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, answer: patch });
  });

  it("passes every outgoing text through the redactor, re-asks included", async () => {
    const { client, server } = await clientFor([
      (request) => fakeReply.text(`echo: ${request.bodyText.length}`),
      fakeReply.answer(giveUp),
    ]);
    const result = await client.ask({
      system: `never leak ${SEEDED}`,
      user: `OPENAI_API_KEY=${SEEDED}\nlog: auth failed for ${SEEDED}`,
      remainingRequests: 3,
      format: ESCALATION_ANSWER_FORMAT,
    });
    expect(result.ok).toBe(true);
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request.body.includes(Buffer.from(SEEDED))).toBe(false);
      expect(request.bodyText).toContain("[REDACTED:openai-key#1]");
    }
  });

  it("stops retrying once the caller cancels, without another request", async () => {
    const controller = new AbortController();
    const { client, server } = await clientFor([fakeReply.status(500), fakeReply.answer(giveUp)], {
      sleep: async () => {
        controller.abort();
      },
    });
    const result = await client.ask({ ...ask, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, requests: 1, reason: "the call was cancelled" });
    expect(server.requests).toHaveLength(1);
  });

  it("re-asks over the Responses API too, with the broken answer and what was wrong", async () => {
    const { client, server } = await clientFor(
      [fakeReply.text('{"action":"give_up"}'), fakeReply.answer(giveUp)],
      {
        api: "responses",
      },
    );
    const result = await client.ask(ask);
    expect(result).toMatchObject({ ok: true, answer: giveUp, requests: 2 });
    const input =
      (server.requests[1]?.json as { input: { role: string; content: string }[] } | undefined)?.input ?? [];
    expect(input.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(input[3]?.content).toContain("reason: ");
  });

  it("names the address and the cause when nothing listens there, and spends no API call on it", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sleeps: number[] = [];
    const client = createLlmClient({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: "test-key",
      model: "test-model",
      api: "chat",
      deadlineMs: 20_000,
      redactor,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const result = await client.ask(ask);
    expect(result.ok).toBe(false);
    expect(result.requests).toBe(0);
    expect(!result.ok && result.reason).toBe(
      `could not reach the model API at http://127.0.0.1:${port}/v1: nothing listens there: the connection was refused (ECONNREFUSED 127.0.0.1:${port}) (tried 4 times; no API call was spent)`,
    );
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual([
      "unreached",
      "unreached",
      "unreached",
      "unreached",
    ]);
    expect(sleeps).toEqual([1000, 2000, 4000]);
  });
});

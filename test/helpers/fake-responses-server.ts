/**
 * A loopback server speaking the OpenAI Responses API's streaming Server-Sent Events, enough for
 * the real Codex CLI: each `POST /v1/responses` gets the next
 * scripted turn as `response.created`, `response.output_item.added`/`.done` per item, and
 * `response.completed` with usage. Every request is recorded; other paths answer 404.
 */
import type { IncomingMessage } from "node:http";
import { startLoopbackServer } from "./loopback-server.ts";

export type ResponsesTurn = { kind: "exec_command"; cmd: string } | { kind: "message"; text: string };

export interface RecordedResponsesRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  json: unknown;
}

export interface FakeResponsesServer {
  baseURL: string;
  requests: RecordedResponsesRequest[];
  /** Requests to POST /v1/responses only. */
  modelRequests(): RecordedResponsesRequest[];
  close(): Promise<void>;
}

export async function startFakeResponsesServer(turns: ResponsesTurn[]): Promise<FakeResponsesServer> {
  const requests: RecordedResponsesRequest[] = [];
  let turnIndex = 0;
  const server = await startLoopbackServer(({ method, path, headers, json }, res) => {
    requests.push({ method, path, headers, json });
    if (method !== "POST" || !path.endsWith("/responses")) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fake server: no ${method} ${path}` } }));
      return;
    }
    const turn = turns[Math.min(turnIndex, turns.length - 1)] ?? { kind: "message", text: "done" };
    turnIndex += 1;
    const id = `resp_${turnIndex}`;
    const item =
      turn.kind === "exec_command"
        ? {
            type: "function_call",
            id: `fc_${turnIndex}`,
            call_id: `call_${turnIndex}`,
            name: "exec_command",
            arguments: JSON.stringify({ cmd: turn.cmd }),
            status: "completed",
          }
        : {
            type: "message",
            id: `msg_${turnIndex}`,
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: turn.text, annotations: [] }],
          };
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (event: Record<string, unknown> & { type: string }) =>
      res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    const response = {
      id,
      object: "response",
      created_at: 0,
      model: "test-model",
      output: [] as unknown[],
    };
    send({ type: "response.created", response: { ...response, status: "in_progress" } });
    send({ type: "response.output_item.added", output_index: 0, item });
    send({ type: "response.output_item.done", output_index: 0, item });
    send({
      type: "response.completed",
      response: {
        ...response,
        status: "completed",
        output: [item],
        usage: {
          input_tokens: 900,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 40,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 940,
        },
      },
    });
    res.end();
  });
  return {
    baseURL: server.baseURL,
    requests,
    modelRequests: () => requests.filter((request) => request.path.endsWith("/responses")),
    close: server.close,
  };
}

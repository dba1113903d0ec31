/**
 * The plumbing both fake model servers share: a server on 127.0.0.1 (port 0) that reads each
 * request's whole body before handing it on, and a close() that drops open connections first,
 * so a test never waits on a client's keep-alive socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The raw body bytes exactly as received. */
  body: Buffer;
  bodyText: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:<port>/v1`, ready for `baseURL`. */
  baseURL: string;
  close(): Promise<void>;
}

export async function startLoopbackServer(
  handle: (request: ReceivedRequest, res: ServerResponse) => void,
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const bodyText = body.toString("utf8");
      handle(
        {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body,
          bodyText,
          json: parseJson(bodyText),
        },
        res,
      );
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { isIP } from "node:net";
import { UserError } from "../../errors/index.ts";

/** What the listener serves; each is computed at request time from the repo's state. */
export interface ListenerRoutes {
  metrics(): Promise<string>;
  health(): { healthy: boolean; reason: string };
  page(): Promise<string>;
}

export interface Listener {
  /** `http://host:port` as bound (port 0 becomes the real one). */
  url: string;
  close(): Promise<void>;
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new UserError(`--listen "${text}": expected HOST:PORT, e.g. 127.0.0.1:9489 or [::1]:9489`);
  }
  return { host, port };
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") {
    return true;
  }
  return isIP(host) === 4 && host.startsWith("127.");
}

/**
 * Serves `/metrics` (Prometheus text), `/healthz` (200 or 503 with a one-line reason) and `/`
 * (the status page) with node:http, GET and HEAD only. With a token every path needs
 * `Authorization: Bearer <token>` (Prometheus sends it with `authorization: {credentials_file}`
 * in a scrape config); without one the listener must be loopback-only — the caller checks that.
 */
export async function startListener(options: {
  host: string;
  port: number;
  token?: string;
  routes: ListenerRoutes;
  log(line: string): void;
}): Promise<Listener> {
  const sockets = new Set<Socket>();
  const expected = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.log(`listener: ${req.url ?? "?"}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) {
        send(res, 500, "text/plain; charset=utf-8", "internal error; see the service's log\n");
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, "text/plain; charset=utf-8", "read-only: GET or HEAD\n");
      return;
    }
    if (expected !== undefined && !authorized(req.headers.authorization, expected)) {
      res.setHeader("www-authenticate", 'Bearer realm="orchestrator"');
      send(res, 401, "text/plain; charset=utf-8", "a bearer token is needed\n");
      return;
    }
    const path = new URL(req.url ?? "/", "http://listener").pathname;
    if (path === "/metrics") {
      // The content type of the text format, version 0.0.4 (prometheus.io exposition_formats).
      send(res, 200, "text/plain; version=0.0.4; charset=utf-8", await options.routes.metrics());
    } else if (path === "/healthz") {
      const health = options.routes.health();
      send(res, health.healthy ? 200 : 503, "text/plain; charset=utf-8", `${health.reason}\n`);
    } else if (path === "/") {
      res.setHeader("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'");
      res.setHeader("x-content-type-options", "nosniff");
      send(res, 200, "text/html; charset=utf-8", await options.routes.page());
    } else {
      send(res, 404, "text/plain; charset=utf-8", "not found: try /, /metrics or /healthz\n");
    }
  }

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE" || error.code === "EACCES" || error.code === "EADDRNOTAVAIL"
          ? new UserError(`--listen ${options.host}:${options.port}: ${error.code} (${error.message})`)
          : error,
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close(() => resolve());
      }),
  };
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", type);
  res.setHeader("cache-control", "no-store");
  res.end(res.req.method === "HEAD" ? undefined : body);
}

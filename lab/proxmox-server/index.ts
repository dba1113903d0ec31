import http from "node:http";
import type { AddressInfo } from "node:net";
import { updateWorld } from "../world/index.ts";
import { LabHttpError } from "./lab-http-error.ts";
import { requireAll } from "./permissions.ts";
import { ROUTES } from "./routes.ts";

/**
 * The sandbox lab's Proxmox VE: a real HTTP/1.1 server on 127.0.0.1 that speaks `api2/json` the
 * way Proxmox does (envelopes, reason-phrase errors, token auth, asynchronous tasks with UPIDs)
 * over the shared world file. Destructive calls (DELETE, stop, reset, resize) are not implemented:
 * they answer 501 and stay in the request log, where tests look for them.
 */

export interface LabToken {
  /** `user@realm!tokenname` */
  readonly id: string;
  readonly secret: string;
  /** admin: everything; auditor: GET only (PVEAuditor); none: a privilege-separated token with no ACL. */
  readonly role?: "admin" | "auditor" | "none";
}

export interface LabProxmoxServerOptions {
  readonly worldFile: string;
  readonly token: LabToken;
  readonly extraTokens?: readonly LabToken[];
  /** Default 0: any free port. */
  readonly port?: number;
}

export interface LabRequest {
  readonly method: string;
  /** Below `/api2/json`, without the query. */
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly status: number;
}

export interface LabProxmoxServer {
  /** `http://127.0.0.1:<port>/api2/json` */
  readonly url: string;
  /** Every request answered, in order. */
  readonly requests: readonly LabRequest[];
  close(): Promise<void>;
}

const API_PREFIX = "/api2/json";

export async function startLabProxmoxServer(options: LabProxmoxServerOptions): Promise<LabProxmoxServer> {
  const tokens = [options.token, ...(options.extraTokens ?? [])];
  const requests: LabRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
      const method = request.method ?? "GET";
      let params: Record<string, string> = Object.fromEntries(url.searchParams);
      let status = 200;
      try {
        params = { ...params, ...bodyParams(request, Buffer.concat(chunks).toString("utf8")) };
        const data = answer({
          method,
          path,
          params,
          authorization: request.headers.authorization,
          tokens,
          worldFile: options.worldFile,
        });
        reply(response, 200, "OK", { data });
      } catch (error) {
        // Anything but a LabHttpError is a bug in the lab; answer it loudly instead of crashing.
        const failure =
          error instanceof LabHttpError
            ? error
            : new LabHttpError(500, `lab server bug: ${(error as Error).message}`);
        status = failure.status;
        reply(
          response,
          failure.status,
          failure.message,
          failure.errors ? { data: null, errors: failure.errors } : { data: null },
        );
      }
      requests.push({ method, path, params, status });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${API_PREFIX}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface Call {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly tokens: readonly LabToken[];
  readonly worldFile: string;
}

function answer(call: Call): unknown {
  const token = authenticate(call.authorization, call.tokens);
  for (const route of ROUTES) {
    const match = route.pattern.exec(call.path);
    if (!match || route.method !== call.method) {
      continue;
    }
    const captures = Object.fromEntries(
      Object.entries(match.groups ?? {}).map(([key, value]) => [key, decodeURIComponent(value)]),
    );
    const role = token.role ?? "admin";
    const privilege = route.privilege(captures, call.params);
    return updateWorld(call.worldFile, (world) => {
      if (privilege !== "") {
        if (world.proxmox.tokenAcl[token.id] !== undefined) {
          const [path = "/", name = ""] = privilege.split(", ");
          requireAll(world, token, path, [name]);
        } else if (role === "none" || (role === "auditor" && route.method !== "GET")) {
          throw new LabHttpError(403, `Permission check failed (${privilege})`);
        }
      }
      return route.handle({
        world,
        match: captures,
        params: call.params,
        user: token.id,
        token,
        now: new Date(),
      });
    });
  }
  throw new LabHttpError(501, `Method '${call.method} ${API_PREFIX}${call.path}' not implemented`);
}

/** The 401 texts pveproxy sends for a missing header, an unknown token and a wrong secret. */
function authenticate(header: string | undefined, tokens: readonly LabToken[]): LabToken {
  const match = /^PVEAPIToken=([^=\s]+)=(\S+)$/.exec(header ?? "");
  if (!match) {
    throw new LabHttpError(401, "No ticket");
  }
  const [, id = "", secret = ""] = match;
  const token = tokens.find((candidate) => candidate.id === id);
  if (!token) {
    const [user = "", name = ""] = id.split("!");
    throw new LabHttpError(401, `no such token '${name}' for user '${user}'`);
  }
  if (token.secret !== secret) {
    throw new LabHttpError(401, "invalid token value!");
  }
  return token;
}

function bodyParams(request: http.IncomingMessage, text: string): Record<string, string> {
  if (text === "") {
    return {};
  }
  if ((request.headers["content-type"] ?? "").includes("application/json")) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new LabHttpError(400, "Parameter verification failed.", { body: "invalid JSON" });
    }
    return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function reply(response: http.ServerResponse, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, reason.replaceAll(/[\r\n]+/g, " ").trim(), {
    "Content-Type": "application/json;charset=UTF-8",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import tls from "node:tls";
import { ProxmoxError } from "./errors.ts";

/** How to reach and authenticate to a Proxmox VE API. */
export interface ProxmoxConnection {
  /** `https://pve.lan:8006/api2/json`; `/api2/json` is added when missing. */
  readonly endpoint: string;
  /** `user@realm!tokenname` */
  readonly tokenId: string;
  readonly tokenSecret: string;
  readonly tls?: ProxmoxTls;
  /** Per request; default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Certificate checks. By default the system CAs verify the server. `ca` pins a CA (PEM), e.g.
 * `/etc/pve/pve-root-ca.pem`; `fingerprint` pins the server certificate's SHA-256 fingerprint, as
 * the Proxmox GUI shows it; `insecure` turns checks off and must be asked for explicitly.
 */
export interface ProxmoxTls {
  readonly insecure?: boolean;
  readonly ca?: string;
  readonly fingerprint?: string;
}

export type ProxmoxParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ProxmoxResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The API base URL, always ending in `/api2/json` and never in `/`. */
export function apiBaseUrl(endpoint: string): URL {
  const trimmed = endpoint.replace(/\/+$/, "");
  return new URL(trimmed.endsWith("/api2/json") ? trimmed : `${trimmed}/api2/json`);
}

/** `AA:BB:…` or `aabb…` → `aabb…` */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replaceAll(":", "").toLowerCase();
}

export function encodeParams(params: ProxmoxParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) {
      form.append(key, typeof value === "boolean" ? (value ? "1" : "0") : String(value));
    }
  }
  return form.toString();
}

/**
 * One API call. GET parameters go in the query, POST and PUT parameters in a form-encoded body,
 * as Proxmox expects. Any non-2xx answer becomes a `ProxmoxError` carrying the reason phrase.
 */
export function proxmoxRequest(
  connection: ProxmoxConnection,
  method: "GET" | "POST" | "PUT",
  path: string,
  params: ProxmoxParams = {},
): Promise<ProxmoxResponse> {
  const base = apiBaseUrl(connection.endpoint);
  const encoded = encodeParams(params);
  const url = new URL(`${base.pathname}${path}${method === "GET" && encoded ? `?${encoded}` : ""}`, base);
  const body = method === "GET" ? undefined : encoded;
  const headers: http.OutgoingHttpHeaders = {
    Authorization: `PVEAPIToken=${connection.tokenId}=${connection.tokenSecret}`,
    Accept: "application/json",
  };
  if (body !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    headers["Content-Length"] = Buffer.byteLength(body);
  }
  const options: https.RequestOptions = { method, headers, timeout: connection.timeoutMs ?? 30_000 };
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => reject(new ProxmoxError(method, path, 0, `${reason} (${base.origin})`));
    const request =
      url.protocol === "https:"
        ? https.request(url, { ...options, ...tlsOptions(connection.tls ?? {}, url) })
        : http.request(url, options);
    request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeout} ms`)));
    request.on("error", (error) => fail(error.message));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", (error) => fail(error.message));
      response.on("end", () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        const parsed = parseJson(text);
        if (status >= 200 && status < 300) {
          if (parsed === undefined) {
            reject(new ProxmoxError(method, path, status, `answer is not JSON: ${text.slice(0, 120)}`));
            return;
          }
          resolve({ status, body: parsed });
          return;
        }
        reject(
          new ProxmoxError(
            method,
            path,
            status,
            response.statusMessage || "(no reason given)",
            errorsMap(parsed),
          ),
        );
      });
    });
    request.end(body);
  });
}

function tlsOptions(settings: ProxmoxTls, url: URL): https.RequestOptions {
  if (settings.insecure) {
    return { rejectUnauthorized: false };
  }
  if (settings.fingerprint !== undefined) {
    const expected = normaliseFingerprint(settings.fingerprint);
    // Checked before the socket is handed to the request, so no header (and no token) is ever
    // written to a server whose certificate does not match.
    return {
      createConnection: (_options, onCreate) => {
        const socket = tls.connect({
          host: url.hostname,
          port: Number(url.port || 443),
          ...(isIP(url.hostname) ? {} : { servername: url.hostname }),
          rejectUnauthorized: false,
        });
        socket.once("secureConnect", () => {
          const actual = normaliseFingerprint(socket.getPeerCertificate().fingerprint256 ?? "");
          if (actual === expected) {
            onCreate(null, socket);
          } else {
            socket.destroy();
            onCreate(
              new Error(
                `the server certificate's SHA-256 fingerprint is ${actual}, not the pinned ${expected}`,
              ),
              socket,
            );
          }
        });
        socket.once("error", (error) => onCreate(error, socket));
        return undefined;
      },
    } as https.RequestOptions;
  }
  return settings.ca === undefined ? {} : { ca: settings.ca };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorsMap(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null || !("errors" in body)) {
    return {};
  }
  const errors = (body as { errors: unknown }).errors;
  if (typeof errors !== "object" || errors === null) {
    return {};
  }
  return Object.fromEntries(Object.entries(errors).map(([field, problem]) => [field, String(problem)]));
}

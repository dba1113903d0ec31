/**
 * The lab's git server as a homelab's Gitea or Forgejo on the LAN: bare repositories under one
 * folder served over git's smart HTTP protocol on loopback, pushes allowed, so Flux's source and
 * the AI branch's remote are an `http://` URL. Flux accepts one: a GitRepository's `spec.url` must
 * match `^(http|https|ssh)://.*$` (fluxcd/source-controller@v1.7.0 api/v1/gitrepository_types.go,
 * the kubebuilder Pattern on URL), which `git://` (git daemon) does not.
 *
 * Each request runs `git http-backend` as a CGI program, as git's manual describes
 * (git-scm.com/docs/git-http-backend): GIT_PROJECT_ROOT is the folder, GIT_HTTP_EXPORT_ALL serves
 * every repository, PATH_INFO/REQUEST_METHOD/QUERY_STRING/CONTENT_TYPE/CONTENT_LENGTH describe the
 * request, HTTP_CONTENT_ENCODING lets it inflate a gzipped body, GIT_PROTOCOL passes the client's
 * `Git-Protocol` header (protocol v2), and receive-pack (push) is enabled only for an
 * authenticated REMOTE_USER, which the lab always sets. Its CGI answer is headers (`Status:`
 * first when not 200), a blank line, then the body. The body is binary (packfiles), so the
 * backend writes it to a file, never through a text pipe.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "../../src/adapters/git/index.ts";
import { runProcess } from "../../src/adapters/process/index.ts";

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>/` */
  readonly baseUrl: string;
  /** The folder served; `<name>.git` under it is `<baseUrl><name>.git`. */
  readonly baseDir: string;
  /**
   * A new bare repository `<name>.git` whose default branch is `branch` (main): empty, or starting
   * at the HEAD of the repository `from`.
   */
  createRepo(name: string, options?: { from?: string; branch?: string }): Promise<string>;
  close(): Promise<void>;
}

/** `port`: the one to listen on (a lab brought back keeps its remote's URL); default any free one. */
export async function startGitHttpServer(baseDir: string, port = 0): Promise<GitHttpServer> {
  const scratch = await mkdtemp(join(tmpdir(), "lab-git-http-"));
  let served = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      served++;
      answer(req, Buffer.concat(chunks), res, baseDir, join(scratch, `answer-${served}`)).catch(
        (error: unknown) => {
          if (!res.headersSent) {
            res.writeHead(500, { "content-type": "text/plain" });
          }
          res.end(`lab git server: ${String(error)}\n`);
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    baseUrl,
    baseDir,
    async createRepo(name, options = {}) {
      const path = join(baseDir, `${name}.git`);
      await git(["init", "--quiet", "--bare", "--initial-branch", options.branch ?? "main", path], {
        cwd: baseDir,
      });
      if (options.from !== undefined) {
        await git(["push", "--quiet", path, `HEAD:refs/heads/${options.branch ?? "main"}`], {
          cwd: options.from,
        });
      }
      return `${baseUrl}${name}.git`;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

async function answer(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  baseDir: string,
  outFile: string,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://lab");
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : (value ?? "");
  };
  const ran = await runProcess(["sh", "-c", 'exec git http-backend >"$1"', "git-http", outFile], {
    cwd: baseDir,
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: baseDir,
      LC_ALL: "C",
      GIT_PROJECT_ROOT: baseDir,
      GIT_HTTP_EXPORT_ALL: "1",
      REMOTE_USER: "lab",
      REMOTE_ADDR: "127.0.0.1",
      GATEWAY_INTERFACE: "CGI/1.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: header("content-type"),
      CONTENT_LENGTH: String(body.length),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
    },
    stdin: body,
    timeoutMs: 60_000,
    output: { mode: "all", tailLines: 5 },
  });
  let output: Buffer;
  try {
    output = await readFile(outFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
    throw new Error(`git http-backend wrote nothing (exit ${ran.exitCode}): ${ran.stderr.trim()}`);
  } finally {
    await rm(outFile, { force: true });
  }
  const { status, headers, rest } = cgiAnswer(output);
  res.writeHead(status, headers);
  res.end(rest);
}

/** Splits a CGI answer into its status (from `Status:`, else 200), headers and body. */
export function cgiAnswer(output: Buffer): { status: number; headers: Record<string, string>; rest: Buffer } {
  const crlf = output.indexOf("\r\n\r\n");
  const lf = output.indexOf("\n\n");
  const useCrlf = crlf >= 0 && (lf < 0 || crlf < lf);
  const end = useCrlf ? crlf : lf;
  if (end < 0) {
    throw new Error("git http-backend answered without CGI headers");
  }
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of output.subarray(0, end).toString("latin1").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      status = Number.parseInt(value, 10) || 500;
    } else {
      headers[name] = value;
    }
  }
  return { status, headers, rest: output.subarray(end + (useCrlf ? 4 : 2)) };
}

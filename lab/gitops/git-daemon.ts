/**
 * A real git server on loopback for the lab: `git daemon` serving bare repositories under one
 * folder, with pushes allowed, so Flux's source and the AI branch's remote are a URL as they are
 * in a real homelab (`git://127.0.0.1:<port>/<name>.git`). Behaviour from git's own manual
 * (git-scm.com/docs/git-daemon): `--base-path` maps the URL path onto the folder, `--export-all`
 * serves repositories without a git-daemon-export-ok file, `--enable=receive-pack` allows
 * `git push`, `--reuseaddr` lets a freshly freed port be bound again, and with `--verbose` the
 * daemon logs "Ready to rumble" once it listens.
 */
import { createServer } from "node:net";
import { git } from "../../src/adapters/git/index.ts";
import { runProcess } from "../../src/adapters/process/index.ts";

export interface GitDaemon {
  /** `git://127.0.0.1:<port>/` */
  readonly baseUrl: string;
  /** The folder the daemon serves; `<name>.git` under it is `<baseUrl><name>.git`. */
  readonly baseDir: string;
  /** A new bare repository `<name>.git`, whose `branch` starts at `from`'s HEAD when given. */
  createRepo(name: string, options?: { from?: string; branch?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startGitDaemon(baseDir: string): Promise<GitDaemon> {
  const port = await freePort();
  const stop = new AbortController();
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const log: string[] = [];
  const ended = runProcess(
    [
      "git",
      "daemon",
      "--reuseaddr",
      "--verbose",
      "--export-all",
      "--enable=receive-pack",
      "--listen=127.0.0.1",
      `--port=${port}`,
      `--base-path=${baseDir}`,
      baseDir,
    ],
    {
      cwd: baseDir,
      env: { ...process.env, LC_ALL: "C" },
      signal: stop.signal,
      killGraceMs: 1000,
      output: {
        mode: "lines",
        onLine: (line) => {
          log.push(line);
          if (/Ready to rumble/.test(line)) {
            ready();
          }
        },
      },
    },
  );
  const early = await Promise.race([listening.then(() => undefined), ended]);
  if (early !== undefined) {
    throw new Error(`git daemon did not start: ${early.startError ?? log.slice(-3).join(" | ")}`);
  }
  return {
    baseUrl: `git://127.0.0.1:${port}/`,
    baseDir,
    async createRepo(name, options = {}) {
      const path = `${baseDir}/${name}.git`;
      await git(["init", "--quiet", "--bare", "--initial-branch", options.branch ?? "main", path], {
        cwd: baseDir,
      });
      if (options.from !== undefined) {
        await git(["push", "--quiet", path, `HEAD:refs/heads/${options.branch ?? "main"}`], {
          cwd: options.from,
        });
      }
      return `git://127.0.0.1:${port}/${name}.git`;
    },
    async close() {
      stop.abort();
      await ended;
    },
  };
}

/** A port nothing listens on right now (the kernel's choice for port 0, released again). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runProcess } from "../../src/adapters/process/index.ts";

export interface FakeCliInstallOptions {
  /** The lab world file the fakes read and change. */
  readonly worldFile: string;
  /** Which fakes; default all three. */
  readonly tools?: readonly ("talosctl" | "kubectl" | "flux")[];
  /** Appended with one JSON argv line per call, when given. */
  readonly callLog?: string;
}

/** The fakes on disk and the server that answers them. */
export interface FakeClis {
  /** The executables written, one per tool. */
  readonly paths: readonly string[];
  /** Stops the server; a fake called afterwards says its server does not answer. */
  close(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** The environment a fake reads (talosconfig and kubeconfig defaults, the world, the call log). */
export const FAKE_CLI_ENV = ["LAB_WORLD", "LAB_CLI_LOG", "HOME", "TALOSCONFIG", "KUBECONFIG"] as const;

/**
 * One fake as a bash script that asks the lab's server (server.ts) over loopback TCP: bash's
 * /dev/tcp and builtins only, so a call forks nothing and costs a few milliseconds, where a Node
 * start costs fifty (a six-stage run makes some 150 calls). The request is NUL-separated
 * fields: tool, working folder, the count and `NAME=value` entries of FAKE_CLI_ENV (an unset
 * variable sends an empty field), the count and the arguments. The answer is a line
 * `<exit code> <stdout bytes> <stderr bytes>` and then both outputs, read byte-exact (LC_ALL=C).
 */
function fakeScript(tool: string, port: number, fixed: Readonly<Record<string, string>>): string {
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const entries = FAKE_CLI_ENV.map((name) =>
    name in fixed ? quote(`${name}=${fixed[name]}`) : `"\${${name}+${name}=$${name}}"`,
  );
  const unreachable = `fake ${tool}: the lab's fake-CLI server at 127.0.0.1:${port} does not answer`;
  return `#!/bin/bash
# Fake ${tool} for the sandbox lab: asks the lab's fake-CLI server (lab/fake-cli/server.ts).
LC_ALL=C
if ! { exec 3<>/dev/tcp/127.0.0.1/${port}; } 2>/dev/null; then
  echo ${quote(unreachable)} >&2
  exit 127
fi
printf '%s\\0' ${tool} "$PWD" ${entries.length} ${entries.join(" ")} "$#" "$@" >&3
if ! IFS=' ' read -r code outlen errlen <&3; then
  echo ${quote(`${unreachable} (it closed the connection)`)} >&2
  exit 127
fi
if [ "$outlen" -gt 0 ]; then
  IFS= read -r -N "$outlen" out <&3
  printf '%s' "$out"
fi
if [ "$errlen" -gt 0 ]; then
  IFS= read -r -N "$errlen" err <&3
  printf '%s' "$err" >&2
fi
exit "$code"
`;
}

/**
 * Starts the lab's fake-CLI server (server.ts, one long-lived Node process) and writes
 * `talosctl`, `kubectl` and `flux` into `binDir` (fakeScript), so a stage finds them first on
 * PATH. From the build (dist/lab) the compiled server sits beside this file; from the TypeScript
 * sources (tests) the lab's fake and world modules are transpiled once into node_modules/.cache,
 * keyed by their content.
 */
export async function installFakeClis(binDir: string, options: FakeCliInstallOptions): Promise<FakeClis> {
  const server = import.meta.url.endsWith(".js") ? join(HERE, "server.js") : transpiledEntry();
  mkdirSync(binDir, { recursive: true });
  const running = await startServer(server, binDir);
  const fixed: Record<string, string> = { LAB_WORLD: options.worldFile };
  if (options.callLog !== undefined) {
    fixed["LAB_CLI_LOG"] = options.callLog;
  }
  const paths: string[] = [];
  for (const tool of options.tools ?? ["talosctl", "kubectl", "flux"]) {
    const path = join(binDir, tool);
    writeFileSync(path, fakeScript(tool, running.port, fixed));
    chmodSync(path, 0o755);
    paths.push(path);
  }
  return { paths, close: running.close };
}

async function startServer(entry: string, cwd: string): Promise<{ port: number; close(): Promise<void> }> {
  const stop = new AbortController();
  let listening: (port: number) => void = () => {};
  const ready = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const output: string[] = [];
  const ended = runProcess([process.execPath, entry], {
    cwd,
    env: process.env,
    signal: stop.signal,
    killGraceMs: 1000,
    output: {
      mode: "lines",
      tailLines: 20,
      onLine: (line) => {
        const port = /^listening on (\d+)$/.exec(line)?.[1];
        if (port === undefined) {
          output.push(line);
        } else {
          listening(Number(port));
        }
      },
    },
  });
  const first = await Promise.race([ready, ended]);
  if (typeof first !== "number") {
    const why = first.startError ?? (output.join("\n") || `exit ${first.exitCode}`);
    throw new Error(`the lab's fake-CLI server did not start: ${why}`);
  }
  return {
    port: first,
    close: async () => {
      stop.abort();
      await ended;
    },
  };
}

/**
 * The server and every module it imports (relative imports, followed through lab/ and src/), as
 * JavaScript built with TypeScript's transpiler (no type check), cached under a hash of their text.
 */
function transpiledEntry(): string {
  const repoRoot = resolve(HERE, "..", "..");
  const sources = importClosure(join(HERE, "server.ts")).map((file) => relative(repoRoot, file));
  const hash = createHash("sha256");
  for (const source of sources) {
    hash.update(source).update(readFileSync(join(repoRoot, source)));
  }
  const root = resolve(repoRoot, "node_modules", ".cache", "lab-fake-cli");
  const outDir = join(root, hash.digest("hex").slice(0, 16));
  const entry = join(outDir, "lab", "fake-cli", "server.js");
  if (existsSync(entry)) {
    return entry;
  }
  const staging = `${outDir}.${process.pid}.tmp`;
  const ts = loadTypeScript();
  for (const source of sources) {
    const output = ts.transpileModule(readFileSync(join(repoRoot, source), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        rewriteRelativeImportExtensions: true,
        verbatimModuleSyntax: true,
      },
      fileName: source,
    }).outputText;
    const target = join(staging, source.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  writeFileSync(join(staging, "package.json"), '{ "type": "module" }\n');
  try {
    renameSync(staging, outDir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another test process won the race
  }
  return entry;
}

/** `entry` and every .ts file it reaches by relative import (type-only imports included: harmless). */
function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) {
      return;
    }
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(
      /^(?:import|export)[^;]*?from "(\.[^"]+\.ts)";/gms,
    )) {
      visit(resolve(dirname(file), match[1] ?? ""));
    }
  };
  visit(entry);
  return [...seen].sort();
}

interface TypeScriptApi {
  transpileModule(
    input: string,
    options: { compilerOptions: Record<string, unknown>; fileName: string },
  ): { outputText: string };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2023: number };
}

function loadTypeScript(): TypeScriptApi {
  // typescript is a dev dependency: only tests running from the sources get here.
  return createRequire(import.meta.url)("typescript") as TypeScriptApi;
}

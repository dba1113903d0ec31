import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface FakeCliInstallOptions {
  /** The lab world file the fakes read and change. */
  readonly worldFile: string;
  /** Which fakes; default all three. */
  readonly tools?: readonly ("talosctl" | "kubectl" | "flux")[];
  /** Appended with one JSON argv line per call, when given. */
  readonly callLog?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Writes `talosctl`, `kubectl` and `flux` into `binDir`: tiny sh scripts that exec node on the
 * compiled fake with the world file fixed, so a stage finds them first on PATH. From the build
 * (dist/lab) the compiled main.js sits beside this file; from the TypeScript sources (tests) the
 * lab's fake and world modules are transpiled once into node_modules/.cache, keyed by their content.
 */
export function installFakeClis(binDir: string, options: FakeCliInstallOptions): string[] {
  const entry = import.meta.url.endsWith(".js") ? join(HERE, "main.js") : transpiledEntry();
  mkdirSync(binDir, { recursive: true });
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const written: string[] = [];
  for (const tool of options.tools ?? ["talosctl", "kubectl", "flux"]) {
    const path = join(binDir, tool);
    const log = options.callLog === undefined ? "" : `LAB_CLI_LOG=${quote(options.callLog)} `;
    writeFileSync(
      path,
      `#!/bin/sh\nLAB_WORLD=${quote(options.worldFile)} ${log}exec ${quote(process.execPath)} ${quote(entry)} ${tool} "$@"\n`,
    );
    chmodSync(path, 0o755);
    written.push(path);
  }
  return written;
}

/** lab/fake-cli and lab/world as JavaScript, built with TypeScript's transpiler (no type check). */
function transpiledEntry(): string {
  const labDir = resolve(HERE, "..");
  const sources = ["fake-cli", "world"].flatMap((folder) =>
    readdirSync(join(labDir, folder))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .map((name) => join(folder, name)),
  );
  const hash = createHash("sha256");
  for (const source of sources) {
    hash.update(source).update(readFileSync(join(labDir, source)));
  }
  const root = resolve(labDir, "..", "node_modules", ".cache", "lab-fake-cli");
  const outDir = join(root, hash.digest("hex").slice(0, 16));
  const entry = join(outDir, "fake-cli", "main.js");
  if (existsSync(entry)) {
    return entry;
  }
  const staging = `${outDir}.${process.pid}.tmp`;
  const ts = loadTypeScript();
  for (const source of sources) {
    const output = ts.transpileModule(readFileSync(join(labDir, source), "utf8"), {
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

import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This installation's bin/ as the built CLI sees it: three folders up from dist/src/cli. */
export const OWN_BIN_DIR = fileURLToPath(new URL("../../../bin/", import.meta.url)).replace(/\/$/, "");

/**
 * This installation's CLI, for a shim to find when `orchestrator` is not on PATH: bin/ beside
 * dist/ when built, beside src/ when run from the TypeScript sources.
 */
export const OWN_CLI =
  [join(OWN_BIN_DIR, "orchestrator"), fileURLToPath(new URL("../../bin/orchestrator", import.meta.url))].find(
    (path) => existsSync(path),
  ) ?? join(OWN_BIN_DIR, "orchestrator");

/**
 * Stage commands and checks call `orchestrator step …` and `orchestrator verify …`: put this
 * installation's bin/ first on PATH so they reach the same version that is running the loop.
 */
export function withOwnBinFirst(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${OWN_BIN_DIR}${delimiter}${env["PATH"] ?? ""}` };
}

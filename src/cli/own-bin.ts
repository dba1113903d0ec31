import { delimiter } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Stage commands and checks call `orchestrator step …` and `orchestrator verify …`: put this
 * installation's bin/ first on PATH so they reach the same version that is running the loop.
 * (Built, this module is dist/src/cli/own-bin.js, three folders below the package's bin/.)
 */
export function withOwnBinFirst(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${OWN_BIN_DIR}${delimiter}${env["PATH"] ?? ""}` };
}

export const OWN_BIN_DIR = fileURLToPath(new URL("../../../bin/", import.meta.url)).replace(/\/$/, "");

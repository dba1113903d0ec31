import type { GlobalOptions } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { checkPatchFile, patchesContext } from "./patches.ts";

/**
 * `orchestrator patches check FILE [--stage S]`: exit 0 accepted, 1 refused.
 *
 * `checkPatchFile` is being rewritten on another branch and, until that lands, still prints to
 * process.stdout and reports a refusal through process.exitCode: read it back here, and leave
 * process.exitCode as it was. (When the rewrite lands it writes to `io` and returns the code.)
 */
export async function run(
  [file]: [string],
  options: GlobalOptions & { stage?: string },
  io: CliIO,
): Promise<number> {
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await checkPatchFile(patchesContext(options, io), file, options);
    return process.exitCode === 1 ? 1 : 0;
  } finally {
    process.exitCode = before;
  }
}

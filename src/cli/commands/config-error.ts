import { UserError } from "../../errors/index.ts";
import type { CliIO } from "../io.ts";

/**
 * Exit status of a homelab step or check that finds the configuration wrong (a bad cluster file,
 * a secret not set): 78, EX_CONFIG in BSD's sysexits.h, which the loop stops on at once as
 * needs_human (src/reconcile/stage.ts).
 */
export const EX_CONFIG = 78;

/** Runs `work`; a `UserError` inside it is a configuration error: its one-line message, then exit 78. */
export async function exitOnConfigError<T>(io: CliIO, work: () => Promise<T>): Promise<T | number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`orchestrator: ${error.message.trim().replace(/\s*\n\s*/g, " ")}\n`);
      return EX_CONFIG;
    }
    throw error;
  }
}

import { EX_CONFIG } from "../../core/exit-codes/index.ts";
import { UserError } from "../../errors/index.ts";
import type { CliIO } from "../io.ts";

export { EX_CONFIG };

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

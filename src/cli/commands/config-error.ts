import { EX_CONFIG } from "../../core/exit-codes/index.ts";
import { ConfigError, SecretInConfigError, UserError } from "../../errors/index.ts";
import type { CliIO } from "../io.ts";

export { EX_CONFIG };

/**
 * Runs `work`; a `UserError` inside it is a configuration error, reported as its one-line message.
 * A tracked file that does not parse or validate (a `ConfigError`: the cluster file's field is
 * wrong) exits 1, an ordinary failure the loop's fixers may repair by editing that file. Anything
 * else — a secret or tool missing from the machine, a secret written into a tracked file — exits
 * 78 (EX_CONFIG): no change to the repo fixes it, so the loop stops for a human at once.
 */
export async function exitOnConfigError<T>(io: CliIO, work: () => Promise<T>): Promise<T | number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr.write(`orchestrator: ${error.message.trim().replace(/\s*\n\s*/g, " ")}\n`);
      const repairable = error instanceof ConfigError && !(error instanceof SecretInConfigError);
      return repairable ? 1 : EX_CONFIG;
    }
    throw error;
  }
}

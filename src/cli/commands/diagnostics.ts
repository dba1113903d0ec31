import { loadContextMap, stageSpecOf } from "../../config/index.ts";
import { checkDiagnostic } from "../../core/diagnostics-policy/index.ts";
import { UserError } from "../../errors/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator diagnostics check --stage S -- 'COMMAND'`: would this diagnostic run? Prints
 * `allowed` (exit 0) or `refused: <reason>` (exit 1), judged exactly as a model's request is.
 */
export async function run(
  [words]: [string[]],
  options: GlobalOptions & { stage: string },
  io: CliIO,
): Promise<number> {
  if (words.length !== 1) {
    throw new UserError(
      `pass the command as one quoted string, e.g. orchestrator diagnostics check --stage ${options.stage} -- 'kubectl get nodes'`,
    );
  }
  const contextMap = await loadContextMap(repoRootOf(options, io));
  const result = checkDiagnostic(words[0] ?? "", stageSpecOf(contextMap, options.stage).diagnostics);
  if (result.verdict === "allowed") {
    io.stdout.write("allowed\n");
    return 0;
  }
  io.stdout.write(`refused: ${result.reason}\n`);
  return 1;
}

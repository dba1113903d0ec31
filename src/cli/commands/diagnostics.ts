import type { Command } from "commander";
import { UserError } from "../../errors/index.ts";

/** Where a command runs; tests pass their own. */
export type DiagnosticsCommandContext = {
  cwd: () => string;
};

const DEFAULT_CONTEXT: DiagnosticsCommandContext = { cwd: () => process.cwd() };

/**
 * `orchestrator diagnostics check --stage S -- 'COMMAND'`: would this diagnostic run? Prints
 * `allowed` (exit 0) or `refused: <reason>` (exit 1), judged exactly as a model's request is.
 */
export function registerDiagnosticsCommands(
  program: Command,
  context: DiagnosticsCommandContext = DEFAULT_CONTEXT,
): void {
  const diagnostics = program
    .command("diagnostics")
    .description("the read-only commands a model may ask for while a stage is escalated");

  diagnostics
    .command("check")
    .description("say whether a diagnostic would run for a stage: exit 0 allowed, 1 refused")
    .requiredOption("--stage <stage>", "the stage whose diagnostics prefixes apply")
    .argument("<command...>", "the command as one quoted string, exactly as a model sends it (after --)")
    .action(async (words: string[], options: { stage: string }) => {
      if (words.length !== 1) {
        throw new UserError(
          `pass the command as one quoted string, e.g. orchestrator diagnostics check --stage ${options.stage} -- 'kubectl get nodes'`,
        );
      }
      const [{ findRepoRoot }, { loadContextMap, stageSpecOf }, { checkDiagnostic }] = await Promise.all([
        import("../repo-root.ts"),
        import("../../config/index.ts"),
        import("../../core/diagnostics-policy/index.ts"),
      ]);
      const contextMap = await loadContextMap(findRepoRoot(context.cwd()));
      const stage = stageSpecOf(contextMap, options.stage);
      const result = checkDiagnostic(words[0] ?? "", stage.diagnostics);
      if (result.verdict === "allowed") {
        process.stdout.write("allowed\n");
        return;
      }
      process.stdout.write(`refused: ${result.reason}\n`);
      process.exitCode = 1;
    });
}

import type { Command } from "commander";
import { UserError } from "../../errors/index.ts";

const STAGES = ["vms", "talos", "infra", "apps", "ingress", "obs"] as const;

/** Where verify runs; tests pass their own. */
export type VerifyCommandContext = {
  cwd: () => string;
  env: Readonly<Record<string, string | undefined>>;
  write: (text: string) => void;
};

const DEFAULT_CONTEXT: VerifyCommandContext = {
  cwd: () => process.cwd(),
  env: process.env,
  write: (text) => process.stdout.write(text),
};

/**
 * `orchestrator verify <stage> [check] [--cluster file]`: a stage's read-only success checks, once,
 * changing nothing; what the context map's success_criteria run. Exit 0 when they pass, 1 with the
 * failing check and the tool's text on the last line, 2 for a bad cluster file or unknown check.
 */
export function registerVerifyCommands(
  program: Command,
  context: VerifyCommandContext = DEFAULT_CONTEXT,
): void {
  program
    .command("verify")
    .description(`run a homelab stage's read-only success checks once (${STAGES.join(", ")})`)
    .argument("<stage>", `the stage: ${STAGES.join(", ")}`)
    .argument("[check]", "one check by name (default: all of the stage's)")
    .option("--cluster <file>", "the cluster file (default: the only one in config/clusters/)")
    .action(async (stage: string, check: string | undefined, options: { cluster?: string }) => {
      if (!(STAGES as readonly string[]).includes(stage)) {
        throw new UserError(`unknown stage "${stage}" to verify; stages: ${STAGES.join(", ")}`);
      }
      const [{ findClusterFile }, stages] = await Promise.all([
        import("../../homelab/cluster-file/index.ts"),
        import("../../homelab/stages/index.ts"),
      ]);
      const name = stage as (typeof STAGES)[number];
      const known = stages.STAGE_CHECKS[name].map((candidate) => candidate.name);
      if (check !== undefined && !known.includes(check)) {
        throw new UserError(`stage ${stage} has no check "${check}"; its checks: ${known.join(", ")}`);
      }
      const repoRoot = context.cwd();
      const { cluster } = await findClusterFile(repoRoot, options.cluster);
      const log = (line: string) => context.write(`${line}\n`);
      const result = await stages.verifyHomelabStage(
        name,
        { cluster, repoRoot, env: context.env, log },
        check,
      );
      if (!result.ok) {
        log(`verify ${stage} failed: ${result.lastLine}`);
        process.exitCode = 1;
      }
    });
}

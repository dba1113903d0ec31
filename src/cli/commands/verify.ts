import { UserError } from "../../errors/index.ts";
import { findClusterFile } from "../../homelab/cluster-file/index.ts";
import {
  CHECKED_STAGES,
  type CheckedStage,
  STAGE_CHECKS,
  verifyHomelabStage,
} from "../../homelab/stages/index.ts";
import { type GlobalOptions, stepFolderOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator verify <stage> [check] [--cluster file]`: a stage's read-only success checks, once,
 * changing nothing; what the context map's success_criteria run. Exit 0 when they pass, 1 with the
 * failing check and the tool's text on the last line, 2 for a bad cluster file or unknown check.
 */
export async function run(
  [stage, check]: [string, string | undefined],
  options: GlobalOptions & { cluster?: string },
  io: CliIO,
): Promise<number> {
  if (!(CHECKED_STAGES as readonly string[]).includes(stage)) {
    throw new UserError(`unknown stage "${stage}" to verify; stages: ${CHECKED_STAGES.join(", ")}`);
  }
  const name = stage as CheckedStage;
  const known = STAGE_CHECKS[name].map((candidate) => candidate.name);
  if (check !== undefined && !known.includes(check)) {
    throw new UserError(`stage ${stage} has no check "${check}"; its checks: ${known.join(", ")}`);
  }
  const repoRoot = stepFolderOf(options, io);
  const { cluster } = await findClusterFile(repoRoot, options.cluster);
  const log = (line: string) => {
    io.stdout.write(`${line}\n`);
  };
  const result = await verifyHomelabStage(name, { cluster, repoRoot, env: io.env, log }, check);
  if (result.ok) {
    return 0;
  }
  log(`verify ${stage} failed: ${result.lastLine}`);
  return 1;
}

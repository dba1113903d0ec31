import { UserError } from "../../errors/index.ts";
import { findClusterFile } from "../../homelab/cluster-file/index.ts";
import { STEPS } from "../../homelab/stages/step.ts";
import { type GlobalOptions, stepFolderOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator step <name> [--cluster config/clusters/<name>.yaml]`: one stage's real work, run
 * once in the working folder (the AI worktree under the loop); the command a context map's stage
 * points at. Exit 0 done, 1 failed (last line: why), 2 a bad cluster file or a missing secret,
 * 78 a failure only a person can fix (a node down, a deploy key refused; the last line says which).
 */
export async function run(
  [name]: [string],
  options: GlobalOptions & { cluster?: string },
  io: CliIO,
): Promise<number> {
  const step = Object.hasOwn(STEPS, name) ? STEPS[name] : undefined;
  if (!step) {
    throw new UserError(`unknown step "${name}"; steps: ${Object.keys(STEPS).join(", ")}`);
  }
  const repoRoot = stepFolderOf(options, io);
  const { clusterFile, cluster } = await findClusterFile(repoRoot, options.cluster);
  const log = (line: string) => {
    io.stdout.write(`${line}\n`);
  };
  const result = await step({ cluster, clusterFile, repoRoot, env: io.env, log });
  if (result.ok) {
    log(`step ${name}: done`);
    return 0;
  }
  log(`step ${name} failed: ${result.lastLine}`);
  // 78 (EX_CONFIG): the loop stops for a human at once instead of spending fixes on it.
  return "needsHuman" in result ? 78 : 1;
}

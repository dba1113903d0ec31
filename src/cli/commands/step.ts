import { UserError } from "../../errors/index.ts";
import { findClusterFile } from "../../homelab/cluster-file/index.ts";
import { STEPS } from "../../homelab/stages/step.ts";
import { type GlobalOptions, stepFolderOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { exitOnConfigError } from "./config-error.ts";

/**
 * `orchestrator step <name> [--cluster config/clusters/<name>.yaml]`: one stage's real work, run
 * once in the working folder (the AI worktree under the loop); the command a context map's stage
 * points at. Exit 0 done, 1 failed (last line: why; a cluster file that does not validate is one
 * too, since a fix to that file repairs it), 78 (EX_CONFIG) a missing secret, a secret written into
 * the cluster file, or a failure only a person can fix (a node down, a deploy key refused; the last
 * line says which): the loop stops on it at once as needs_human, since no retry or model can fix those.
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
  const log = (line: string) => {
    io.stdout.write(`${line}\n`);
  };
  const result = await exitOnConfigError(io, async () => {
    const { clusterFile, cluster } = await findClusterFile(repoRoot, options.cluster);
    return step({ cluster, clusterFile, repoRoot, env: io.env, log });
  });
  if (typeof result === "number") {
    return result;
  }
  if (result.ok) {
    log(`step ${name}: done`);
    return 0;
  }
  log(`step ${name} failed: ${result.lastLine}`);
  // 78 (EX_CONFIG): the loop stops for a human at once instead of spending fixes on it.
  return "needsHuman" in result ? 78 : 1;
}

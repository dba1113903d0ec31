import { runSuccessChecks } from "../../adapters/stage-runner/index.ts";
import { loadContextMap } from "../../config/context-map.ts";
import { locateRepoRoot } from "../../config/repo-root.ts";
import type { StageSpec } from "../../config/schema.ts";
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
import { withOwnBinFirst } from "../own-bin.ts";
import { exitOnConfigError } from "./config-error.ts";

type VerifyOptions = GlobalOptions & { cluster?: string; json?: boolean };

/**
 * `orchestrator verify <stage> [check] [--json]`: a stage's read-only success checks, once,
 * changing nothing. Any stage of ai/context_map.yaml runs its `success_criteria` (in the stage's
 * folder of this checkout, with its env); a check of the built-in pack by name (what the pack's
 * criteria call) runs that check against the cluster file. Exit 0 when they pass, 1 with the
 * failing check and why, 1 also for a cluster file that does
 * not validate, 78 for a configuration no repo change fixes (a secret not set).
 */
export async function run(
  [stage, check]: [string, string | undefined],
  options: VerifyOptions,
  io: CliIO,
): Promise<number> {
  const folder = stepFolderOf(options, io);
  const builtin = (CHECKED_STAGES as readonly string[]).includes(stage)
    ? STAGE_CHECKS[stage as CheckedStage].map((candidate) => candidate.name)
    : undefined;
  const repoRoot = locateRepoRoot(folder);
  const spec = repoRoot === undefined ? undefined : (await loadContextMap(repoRoot)).stages[stage];
  if (builtin && (spec === undefined || (check !== undefined && builtin.includes(check)))) {
    if (check !== undefined && !builtin.includes(check)) {
      throw new UserError(`stage ${stage} has no check "${check}"; its checks: ${builtin.join(", ")}`);
    }
    return verifyBuiltin(stage as CheckedStage, check, folder, options, io);
  }
  if (!spec || repoRoot === undefined) {
    const known =
      repoRoot === undefined ? [...CHECKED_STAGES] : Object.keys((await loadContextMap(repoRoot)).stages);
    throw new UserError(`unknown stage "${stage}" to verify; stages: ${known.join(", ")}`);
  }
  return verifyFromContextMap(stage, check, spec, repoRoot, options, io);
}

async function verifyFromContextMap(
  stage: string,
  check: string | undefined,
  spec: StageSpec,
  repoRoot: string,
  options: VerifyOptions,
  io: CliIO,
): Promise<number> {
  const names = spec.success_criteria.map((candidate) => candidate.name);
  if (names.length === 0) {
    throw new UserError(
      `stage ${stage} has no success_criteria in ai/context_map.yaml: nothing to verify (add a read-only check)`,
    );
  }
  if (check !== undefined && !names.includes(check)) {
    throw new UserError(`stage ${stage} has no check "${check}"; its checks: ${names.join(", ")}`);
  }
  const criteria = spec.success_criteria.filter(
    (candidate) => check === undefined || candidate.name === check,
  );
  const results = await runSuccessChecks({
    spec: { ...spec, success_criteria: criteria },
    workdir: repoRoot,
    env: withOwnBinFirst(io.env),
    ...(options.json ? {} : { onLine: (line: string) => io.stdout.write(`${line}\n`) }),
  });
  const failed = results.find((result) => !result.passed);
  const skipped = criteria.slice(results.length).map((candidate) => candidate.name);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ stage, passed: failed === undefined, checks: results, skipped })}\n`);
  } else if (failed) {
    io.stdout.write(`verify ${stage} failed: check ${failed.name}: ${failed.detail}\n`);
  } else {
    io.stdout.write(`verify ${stage}: ${results.length} check(s) passed\n`);
  }
  return failed ? 1 : 0;
}

async function verifyBuiltin(
  stage: CheckedStage,
  check: string | undefined,
  folder: string,
  options: VerifyOptions,
  io: CliIO,
): Promise<number> {
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (!options.json) {
      io.stdout.write(`${line}\n`);
    }
  };
  const result = await exitOnConfigError(io, async () => {
    const { cluster } = await findClusterFile(folder, options.cluster);
    return verifyHomelabStage(stage, { cluster, repoRoot: folder, env: io.env, log }, check);
  });
  if (typeof result === "number") {
    return result;
  }
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ stage, passed: result.ok, ...(result.ok ? {} : { lastLine: result.lastLine }), lines })}\n`,
    );
  } else if (!result.ok) {
    log(`verify ${stage} failed: ${result.lastLine}`);
  }
  return result.ok ? 0 : 1;
}

import type { ClusterFile } from "../cluster-file/index.ts";
import { ToolError } from "../tools/index.ts";
import { runChecks, type StageCheck } from "./checks.ts";
import { FLUX_STAGE_CHECKS, runFluxStage } from "./flux.ts";
import { type StageEnvironment, StageError, stageEnvironment } from "./stage-context.ts";
import { runTalosStage } from "./talos.ts";
import { TALOS_CHECKS } from "./talos-checks.ts";
import { VMS_CHECKS } from "./vms-checks.ts";

/** The steps this pack runs after `vms`, in order. */
export const HOMELAB_STEPS = ["talos", "infra", "apps", "ingress", "obs"] as const;
export type HomelabStep = (typeof HOMELAB_STEPS)[number];

export interface HomelabStepContext {
  readonly cluster: ClusterFile;
  /** Where the step runs: the AI worktree under the loop. */
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

export type HomelabStepResult = { readonly ok: true } | { readonly ok: false; readonly lastLine: string };

/** The stages with read-only success checks: vms (Proxmox, vms.ts does its work) and the steps. */
export const CHECKED_STAGES = ["vms", ...HOMELAB_STEPS] as const;
export type CheckedStage = (typeof CHECKED_STAGES)[number];

export const STAGE_CHECKS: Readonly<Record<CheckedStage, readonly StageCheck[]>> = {
  vms: VMS_CHECKS,
  talos: TALOS_CHECKS,
  ...FLUX_STAGE_CHECKS,
};

/**
 * Runs one step. A tool failure or a stage problem is a result (exit 1) whose last line is the
 * tool's own error text, after every line the tool printed; anything else is a bug and throws.
 */
export async function runHomelabStep(
  name: HomelabStep,
  context: HomelabStepContext,
): Promise<HomelabStepResult> {
  const stage = stageEnvironment(context.repoRoot, context.env, context.log);
  return asResult(stage, async () => {
    if (name === "talos") {
      await runTalosStage(context.cluster, stage);
    } else {
      await runFluxStage(name, context.cluster, stage);
    }
  });
}

/**
 * After vms.ts has created and started the VMs: wait, as the other steps do, until the vms
 * checks pass — a VM's first boot takes a while before its Talos API answers, and a check that
 * fails only because it came too early should not count as an attempt.
 */
export async function waitForVmsChecks(context: HomelabStepContext): Promise<HomelabStepResult> {
  const stage = stageEnvironment(context.repoRoot, context.env, context.log);
  return asResult(stage, () => runChecks(VMS_CHECKS, { cluster: context.cluster, stage, waitForIt: true }));
}

/** `orchestrator verify <stage> [check]`: the read-only checks once, no changes. */
export async function verifyHomelabStage(
  name: CheckedStage,
  context: HomelabStepContext,
  only?: string,
): Promise<HomelabStepResult> {
  const checks = STAGE_CHECKS[name].filter((check) => only === undefined || check.name === only);
  if (checks.length === 0) {
    const known = STAGE_CHECKS[name].map((check) => check.name).join(", ");
    throw new StageError(`stage ${name} has no check "${only}"; its checks: ${known}`);
  }
  const stage = stageEnvironment(context.repoRoot, context.env, context.log);
  return asResult(stage, () => runChecks(checks, { cluster: context.cluster, stage, waitForIt: false }));
}

async function asResult(stage: StageEnvironment, body: () => Promise<void>): Promise<HomelabStepResult> {
  try {
    await body();
    return { ok: true };
  } catch (error) {
    if (error instanceof ToolError) {
      stage.log(`$ ${error.run.argv.join(" ")}`);
      for (const line of error.output.split("\n").filter((text) => text.trim() !== "")) {
        stage.log(`  ${line}`);
      }
      return { ok: false, lastLine: error.message };
    }
    if (error instanceof StageError) {
      return { ok: false, lastLine: error.message };
    }
    throw error;
  }
}

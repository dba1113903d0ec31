import type { ClusterFile } from "../cluster-file/index.ts";
import { connectionFromCluster, ProxmoxClient, ProxmoxError, ProxmoxTaskError } from "../proxmox/index.ts";
import { needsHumanLine, proxmoxNodeDownLine } from "./human-causes.ts";
import { type HomelabStepResult, runHomelabStep, waitForVmsChecks } from "./run-step.ts";
import { stageEnvironment } from "./stage-context.ts";
import { runVmsStage, VmsStageError } from "./vms.ts";

/** What a step gets: the validated cluster file and a way to print progress. */
export interface StepRunContext {
  readonly cluster: ClusterFile;
  readonly clusterFile: string;
  /** Where the step runs: the AI worktree under the loop. */
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

/**
 * `ok: false` is a stage failure (exit 1); `lastLine` carries the real tool's error text.
 * `needsHuman`: no change to the repo can fix it (exit 78, human-causes.ts).
 */
export type StepResult =
  | HomelabStepResult
  | { readonly ok: false; readonly lastLine: string; readonly needsHuman: true };

function withHumanCause(result: HomelabStepResult): StepResult {
  if (result.ok) {
    return result;
  }
  const line = needsHumanLine(result.lastLine);
  return line === undefined ? result : { ok: false, lastLine: line, needsHuman: true };
}

/**
 * The homelab pack's steps, by name: `orchestrator step <name>` runs one. A step returns a
 * failure for the errors its domain expects (an API refusal, a failed task) and throws anything
 * else (a bug).
 */
export const STEPS: Readonly<Record<string, (context: StepRunContext) => Promise<StepResult>>> = {
  vms: runVmsStep,
  talos: async (context) => withHumanCause(await runHomelabStep("talos", context)),
  infra: async (context) => withHumanCause(await runHomelabStep("infra", context)),
  apps: async (context) => withHumanCause(await runHomelabStep("apps", context)),
  ingress: async (context) => withHumanCause(await runHomelabStep("ingress", context)),
  obs: async (context) => withHumanCause(await runHomelabStep("obs", context)),
};

/** Proxmox's work (vms.ts), then a wait until the vms checks pass, as the other steps wait. */
async function runVmsStep(context: StepRunContext): Promise<StepResult> {
  const connection = await connectionFromCluster(context.cluster, {
    env: context.env,
    baseDir: context.repoRoot,
  });
  try {
    await runVmsStage({
      cluster: context.cluster,
      client: new ProxmoxClient(connection),
      log: context.log,
      wait: { pollMs: stageEnvironment(context.repoRoot, context.env, context.log).taskPollMs },
    });
  } catch (error) {
    const expected =
      error instanceof ProxmoxError || error instanceof ProxmoxTaskError || error instanceof VmsStageError;
    if (!expected) {
      throw error;
    }
    const message = (error as Error).message;
    if (error instanceof ProxmoxError && error.status === 595) {
      return {
        ok: false,
        lastLine: proxmoxNodeDownLine(context.cluster.proxmox.node, message),
        needsHuman: true,
      };
    }
    // A failed task's reason is often only in its log (QEMU's `bridge 'x' does not exist`).
    const taskLog = error instanceof ProxmoxTaskError ? error.logTail : [];
    const cause = taskLog.find((line) => needsHumanLine(line) !== undefined);
    if (cause !== undefined) {
      return { ok: false, lastLine: needsHumanLine(`${message}: ${cause}`) ?? message, needsHuman: true };
    }
    return withHumanCause({ ok: false, lastLine: message });
  }
  return withHumanCause(await waitForVmsChecks(context));
}

import type { Command } from "commander";
import { UserError } from "../../errors/index.ts";
import type { ClusterFile } from "../../homelab/cluster-file/index.ts";

/** Where a step runs; tests pass their own. */
export type StepCommandContext = {
  cwd: () => string;
  env: Readonly<Record<string, string | undefined>>;
  write: (text: string) => void;
};

const DEFAULT_CONTEXT: StepCommandContext = {
  cwd: () => process.cwd(),
  env: process.env,
  write: (text) => process.stdout.write(text),
};

/** What a step gets: the validated cluster file and a way to print progress. */
export interface StepRunContext {
  readonly cluster: ClusterFile;
  readonly clusterFile: string;
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
}

/** `ok: false` is a stage failure (exit 1); `lastLine` carries the real tool's error text. */
export type StepResult = { readonly ok: true } | { readonly ok: false; readonly lastLine: string };

/**
 * The steps, by name, each loading its modules only when run. A step returns a failure for the
 * errors its domain expects (an API refusal, a failed task) and throws anything else (a bug).
 */
export const STEPS: Readonly<Record<string, (context: StepRunContext) => Promise<StepResult>>> = {
  vms: async (context) => {
    const [proxmox, vms] = await Promise.all([
      import("../../homelab/proxmox/index.ts"),
      import("../../homelab/stages/vms.ts"),
    ]);
    const connection = await proxmox.connectionFromCluster(context.cluster, {
      env: context.env,
      baseDir: context.repoRoot,
    });
    try {
      await vms.runVmsStage({
        cluster: context.cluster,
        client: new proxmox.ProxmoxClient(connection),
        log: context.log,
      });
    } catch (error) {
      const expected =
        error instanceof proxmox.ProxmoxError ||
        error instanceof proxmox.ProxmoxTaskError ||
        error instanceof vms.VmsStageError;
      if (!expected) {
        throw error;
      }
      return { ok: false, lastLine: (error as Error).message };
    }
    const { waitForVmsChecks } = await import("../../homelab/stages/index.ts");
    return waitForVmsChecks(context);
  },
  talos: (context) => homelabStep("talos", context),
  infra: (context) => homelabStep("infra", context),
  apps: (context) => homelabStep("apps", context),
  ingress: (context) => homelabStep("ingress", context),
  obs: (context) => homelabStep("obs", context),
};

/** The talosctl/kubectl/flux steps (src/homelab/stages), loaded only when run. */
async function homelabStep(
  name: "talos" | "infra" | "apps" | "ingress" | "obs",
  context: StepRunContext,
): Promise<StepResult> {
  const { runHomelabStep } = await import("../../homelab/stages/index.ts");
  return runHomelabStep(name, context);
}

/**
 * `orchestrator step <name> [--cluster config/clusters/<name>.yaml]`: one stage's real work, run
 * once; the command a context map's stage points at. Exit 0 done, 1 failed (last line: why),
 * 2 a bad cluster file or a missing secret.
 */
export function registerStepCommands(program: Command, context: StepCommandContext = DEFAULT_CONTEXT): void {
  program
    .command("step")
    .description(`run one homelab step once against the cluster file (${Object.keys(STEPS).join(", ")})`)
    .argument("<name>", `the step: ${Object.keys(STEPS).join(", ")}`)
    .option("--cluster <file>", "the cluster file (default: the only one in config/clusters/)")
    .action(async (name: string, options: { cluster?: string }) => {
      await runStep(context, name, options.cluster);
    });
}

async function runStep(
  context: StepCommandContext,
  name: string,
  clusterOption: string | undefined,
): Promise<void> {
  const step = Object.hasOwn(STEPS, name) ? STEPS[name] : undefined;
  if (!step) {
    throw new UserError(`unknown step "${name}"; steps: ${Object.keys(STEPS).join(", ")}`);
  }
  const repoRoot = context.cwd();
  const { findClusterFile } = await import("../../homelab/cluster-file/index.ts");
  const { clusterFile, cluster } = await findClusterFile(repoRoot, clusterOption);
  const log = (line: string) => context.write(`${line}\n`);
  const result = await step({ cluster, clusterFile, repoRoot, env: context.env, log });
  if (result.ok) {
    log(`step ${name}: done`);
    return;
  }
  log(`step ${name} failed: ${result.lastLine}`);
  process.exitCode = 1;
}

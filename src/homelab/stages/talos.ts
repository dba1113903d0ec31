import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type ClusterFile,
  type ResolvedNode,
  resolveNodes,
  talosInstallerImage,
} from "../cluster-file/index.ts";
import {
  dryRunChangedLines,
  dryRunHasChanges,
  dryRunRiskyLines,
  type Talosctl,
  ToolError,
} from "../tools/index.ts";
import { runChecks } from "./checks.ts";
import { pollUntil, type StageEnvironment, StageError, toolsOf } from "./stage-context.ts";
import { TALOS_CHECKS } from "./talos-checks.ts";
import { checkInstallDisk } from "./talos-disks.ts";
import { clusterPatch, controlPlanePatch, nodePatch, talosMinor, trackedPatches } from "./talos-patches.ts";

/**
 * What the stage logs before it applies a config to a node in maintenance mode (a fresh install);
 * playbooks tell a first install from a change to a running cluster by it.
 */
export const MAINTENANCE_APPLY = "maintenance mode: applying";

/** The oldest Talos minor the pack generates configs for (docs/conformance.md, version matrix). */
export const OLDEST_TALOS_MINOR = 10;

/**
 * The `talos` stage (research/homelab-stages.md §1 talos), idempotent: secrets generated once,
 * configs generated and validated every run, `apply-config --insecure` only to nodes in
 * maintenance, a dry-run before re-applying to configured nodes, bootstrap exactly once on the
 * first control plane (guarded by its etcd service; `AlreadyExists` counts as done), kubeconfig
 * fetched, then the stage's success checks. Nodes stay `Ready=False` until the infra stage's CNI.
 */

export interface TalosStageSummary {
  readonly secretsGenerated: boolean;
  readonly applied: readonly string[];
  readonly reapplied: readonly string[];
  readonly unchanged: readonly string[];
  readonly bootstrapped: boolean;
}

export async function runTalosStage(
  cluster: ClusterFile,
  stage: StageEnvironment,
): Promise<TalosStageSummary> {
  const { paths, talosctl } = toolsOf(stage);
  const nodes = resolveNodes(cluster);
  const controlPlanes = nodes.filter((node) => node.role === "controlplane");
  const first = controlPlanes[0];
  if (!first) {
    throw new StageError("talos: the cluster file names no controlplane node; add one (role: controlplane)");
  }
  if (talosMinor(cluster) < OLDEST_TALOS_MINOR) {
    throw new StageError(
      `talos: talos.version ${cluster.talos.version} is older than v1.${OLDEST_TALOS_MINOR}, the oldest Talos this tool generates configs for; upgrade the nodes' ISO and set talos.version`,
    );
  }
  await mkdir(join(paths.configDir, "patches"), { recursive: true });

  const secretsGenerated = !existsSync(paths.secrets);
  if (secretsGenerated) {
    await talosctl.genSecrets(paths.secrets);
    stage.log(
      `talos: generated the cluster secrets once: ${paths.secrets} (never regenerated; keep a backup)`,
    );
  } else {
    stage.log(`talos: secrets ${paths.secrets} exist: kept (regenerating them would lock every node out)`);
  }
  await generateConfigs(cluster, stage, talosctl, nodes);

  const applied: string[] = [];
  const reapplied: string[] = [];
  const unchanged: string[] = [];
  for (const node of nodes) {
    const outcome = await convergeNode(stage, talosctl, node, nodeConfigFile(stage, cluster, node));
    ({ applied, reapplied, unchanged })[outcome].push(node.name);
  }
  for (const node of nodes) {
    await pollUntil(
      stage,
      `talos: ${node.name} (${node.ip}) to reach stage running`,
      async () =>
        (await talosctl.machineStage(node.ip, { insecure: false })) === "running" ? true : undefined,
      () => "its machine stage never became running",
    );
  }
  stage.log(`talos: ${nodes.length} nodes running`);

  const bootstrapped = await bootstrapOnce(stage, talosctl, first);
  await pollUntil(
    stage,
    `talos: kubeconfig from ${first.name}`,
    async () => {
      await talosctl.kubeconfig(paths.kubeconfig, first.ip);
      return true;
    },
    () => "talosctl kubeconfig kept failing",
  );
  stage.log(`talos: kubeconfig written to ${paths.kubeconfig}`);

  await runChecks(TALOS_CHECKS, { cluster, stage, waitForIt: true });
  stage.log(
    `talos: done (applied ${applied.length}, re-applied ${reapplied.length}, unchanged ${unchanged.length}; bootstrap ${bootstrapped ? "run now" : "already done"})`,
  );
  return { secretsGenerated, applied, reapplied, unchanged, bootstrapped };
}

function nodeConfigFile(stage: StageEnvironment, cluster: ClusterFile, node: ResolvedNode): string {
  return join(toolsOf(stage).paths.configDir, `${cluster.cluster.name}-${node.name}.yaml`);
}

async function generateConfigs(
  cluster: ClusterFile,
  stage: StageEnvironment,
  talosctl: Talosctl,
  nodes: readonly ResolvedNode[],
): Promise<void> {
  const { paths } = toolsOf(stage);
  const patchDir = join(paths.configDir, "patches");
  const clusterFile = join(patchDir, "cluster.yaml");
  const controlPlaneFile = join(patchDir, "controlplane.yaml");
  await writeFile(clusterFile, clusterPatch(cluster));
  await writeFile(controlPlaneFile, controlPlanePatch());
  const { endpoint } = cluster.kubernetes;
  const controlPlaneIps = nodes.filter((node) => node.role === "controlplane").map((node) => node.ip);
  const common = {
    clusterName: cluster.cluster.name,
    endpoint: `https://${endpoint.vip}:${endpoint.port}`,
    secretsFile: paths.secrets,
    talosVersion: cluster.talos.version,
    kubernetesVersion: cluster.kubernetes.version,
    installImage: talosInstallerImage(cluster),
    ...(typeof cluster.talos.installDisk === "string" ? { installDisk: cluster.talos.installDisk } : {}),
    additionalSans: [...new Set([endpoint.vip, ...endpoint.extraSANs, ...controlPlaneIps])],
    outputDir: paths.configDir,
  };
  await talosctl.genConfig({
    ...common,
    outputTypes: ["controlplane", "worker"],
    patches: [clusterFile, ...trackedPatches(stage.worktree, "")],
    controlPlanePatches: [controlPlaneFile, ...trackedPatches(stage.worktree, "controller")],
    workerPatches: trackedPatches(stage.worktree, "worker"),
  });
  if (!existsSync(paths.talosconfig)) {
    await talosctl.genConfig({ ...common, outputTypes: ["talosconfig"] });
    stage.log(`talos: talosconfig written to ${paths.talosconfig}`);
  }
  // The nodes themselves are the endpoints: the VIP only answers once etcd runs.
  await talosctl.setEndpoints(controlPlaneIps);
  await talosctl.setNodes(nodes.map((node) => node.ip));
  for (const node of nodes) {
    const patchFile = join(patchDir, `node-${node.name}.yaml`);
    await writeFile(patchFile, nodePatch(cluster, node));
    const file = nodeConfigFile(stage, cluster, node);
    await talosctl.patchMachineConfig(join(paths.configDir, `${node.role}.yaml`), patchFile, file);
    await talosctl.validate(file);
  }
  stage.log(`talos: machine configs generated and validated in ${paths.configDir}`);
}

/** One node towards its config: insecure apply in maintenance, dry-run then apply when configured. */
async function convergeNode(
  stage: StageEnvironment,
  talosctl: Talosctl,
  node: ResolvedNode,
  file: string,
): Promise<"applied" | "reapplied" | "unchanged"> {
  const label = `talos: ${node.name} (${node.ip})`;
  const insecureStage = await pollUntil(
    stage,
    `${label}: Talos API`,
    async () => {
      try {
        return await talosctl.machineStage(node.ip, { insecure: true });
      } catch (error) {
        // A configured node refuses clients without a certificate: it is past maintenance.
        if (
          error instanceof ToolError &&
          /certificate required|bad certificate|PermissionDenied/.test(error.message)
        ) {
          return "configured";
        }
        throw error;
      }
    },
    () => "no answer",
  );
  if (insecureStage === "maintenance") {
    // Since Talos 1.9 apply-config accepts a disk the node lacks and the installer fails later, on
    // the node: check the disk against what the node reports before anything is applied.
    const disks = await talosctl.disks(node.ip);
    const problem = checkInstallDisk(node, disks);
    if (problem !== undefined) {
      throw new StageError(`${label}: ${problem}`);
    }
    stage.log(`${label}: ${MAINTENANCE_APPLY} ${file} with --insecure`);
    await talosctl.applyConfig(node.ip, file, { insecure: true });
    return "applied";
  }
  const dryRun = await talosctl.applyConfig(node.ip, file, { dryRun: true });
  if (!dryRunHasChanges(dryRun)) {
    stage.log(`${label}: configured, config unchanged`);
    return "unchanged";
  }
  const risky = dryRunRiskyLines(dryRun);
  if (risky.length > 0) {
    for (const line of dryRunChangedLines(dryRun)) {
      stage.log(`  ${line}`);
    }
    throw new StageError(
      `${label}: the new config changes the install disk or wipe (${risky.map((line) => line.trim()).join("; ")}); that is never applied automatically to a configured node: review the dry-run and apply it by hand`,
    );
  }
  for (const line of dryRunChangedLines(dryRun)) {
    stage.log(`  ${line}`);
  }
  stage.log(`${label}: config differs: applying`);
  await talosctl.applyConfig(node.ip, file, {});
  return "reapplied";
}

/** Bootstrap etcd on the first control plane only when its etcd service waits for it. */
async function bootstrapOnce(
  stage: StageEnvironment,
  talosctl: Talosctl,
  first: ResolvedNode,
): Promise<boolean> {
  const label = `talos: ${first.name} (${first.ip})`;
  const etcd = await pollUntil(
    stage,
    `${label}: etcd service`,
    () => talosctl.service(first.ip, "etcd"),
    () => "no answer",
  );
  if (etcd.state === "Running") {
    stage.log(`${label}: etcd is running: already bootstrapped`);
    return false;
  }
  stage.log(`${label}: etcd is ${etcd.state} (${etcd.events[0] ?? "no events"}): bootstrapping`);
  let bootstrapped = true;
  try {
    await talosctl.bootstrap(first.ip);
  } catch (error) {
    if (!(error instanceof ToolError && /AlreadyExists/.test(error.message))) {
      throw error;
    }
    stage.log(`${label}: ${error.message} (counts as bootstrapped)`);
    bootstrapped = false;
  }
  await pollUntil(
    stage,
    `${label}: etcd to run`,
    async () => ((await talosctl.service(first.ip, "etcd")).state === "Running" ? true : undefined),
    () => "etcd never reached Running after the bootstrap",
  );
  return bootstrapped;
}

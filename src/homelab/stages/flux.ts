import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { ClusterFile } from "../cluster-file/index.ts";
import { resolveNodes } from "../cluster-file/index.ts";
import type { FluxObjectStatus } from "../tools/index.ts";
import { runChecks } from "./checks.ts";
import { FLUX_STAGE_CHECKS, ownObjects } from "./flux-checks.ts";
import { pollUntil, type StageEnvironment, StageError, toolsOf } from "./stage-context.ts";

export { FLUX_STAGE_CHECKS, STAGE_NAMESPACES } from "./flux-checks.ts";

/**
 * The infra, apps, ingress and obs stages, in cluster-template's order (research §0, §1):
 * infra waits for the nodes (Ready=False: no CNI yet), applies the tracked bootstrap manifests
 * (namespaces, CRDs, the rendered CNI) server-side from kubernetes/bootstrap/, waits for Ready,
 * bootstraps Flux from Git (safe to re-run) and reconciles flux-system. Every Flux stage then
 * reconciles the source and waits for ITS OWN Kustomizations and HelmReleases (by namespace) to
 * be Ready, and ends with its success checks.
 */
export type FluxStage = "infra" | "apps" | "ingress" | "obs";

/** Tracked manifests the infra stage applies before Flux exists, in file-name order. */
export const BOOTSTRAP_MANIFESTS_DIR = join("kubernetes", "bootstrap");

export async function runFluxStage(
  name: FluxStage,
  cluster: ClusterFile,
  stage: StageEnvironment,
): Promise<void> {
  const { paths, flux } = toolsOf(stage);
  if (!existsSync(paths.kubeconfig)) {
    throw new StageError(
      `${name}: ${paths.kubeconfig} does not exist; the talos stage writes it, run it first`,
    );
  }
  if (name === "infra") {
    await installCniAndFlux(cluster, stage);
  }
  await pollUntil(
    stage,
    `${name}: flux reconcile ks flux-system`,
    async () => {
      await flux.reconcileKustomization("flux-system");
      return true;
    },
    () => "flux-system did not reconcile",
  );
  stage.log(`${name}: flux-system reconciled with its source`);
  await waitForOwnObjects(name, stage);
  await runChecks(FLUX_STAGE_CHECKS[name], { cluster, stage, waitForIt: true });
  stage.log(`${name}: done`);
}

async function installCniAndFlux(cluster: ClusterFile, stage: StageEnvironment): Promise<void> {
  const { kubectl, flux } = toolsOf(stage);
  const names = resolveNodes(cluster).map((node) => node.name);
  await pollUntil(
    stage,
    "infra: every node registered",
    async () => {
      const nodes = await kubectl.nodes();
      return names.every((wanted) => nodes.some((node) => node.name === wanted)) ? nodes : undefined;
    },
    () => `not every node of the cluster file (${names.join(", ")}) registered with the API server`,
  );
  const manifests = join(stage.worktree, BOOTSTRAP_MANIFESTS_DIR);
  if (cluster.kubernetes.cni !== "flannel") {
    if (!existsSync(manifests)) {
      throw new StageError(
        `infra: ${BOOTSTRAP_MANIFESTS_DIR}/ is missing: put the rendered CNI there (helm template cilium cilium/cilium -n kube-system … > ${BOOTSTRAP_MANIFESTS_DIR}/20-cilium.yaml), with namespaces and CRDs first`,
      );
    }
    stage.log(`infra: applying ${BOOTSTRAP_MANIFESTS_DIR}/ server-side`);
    for (const line of (await kubectl.applyServerSide(manifests)).split("\n").filter(Boolean)) {
      stage.log(`  ${line}`);
    }
  }
  await kubectl.waitNodes("Ready", "10m");
  stage.log(`infra: ${names.length} nodes Ready`);
  const settings = cluster.gitops?.flux;
  if (!settings) {
    throw new StageError(
      "infra: the cluster file has no gitops.flux (url, branch, path): Flux cannot be bootstrapped",
    );
  }
  const keyFile =
    settings.deployKeyFile === undefined
      ? undefined
      : deployKeyPath(settings.deployKeyFile, stage.repoRoot, stage.env["HOME"] ?? homedir());
  stage.log(`infra: flux bootstrap git ${settings.url} (branch ${settings.branch}, path ${settings.path})`);
  const output = await flux.bootstrapGit({
    url: settings.url,
    branch: settings.branch,
    path: settings.path,
    ...(keyFile === undefined ? {} : { privateKeyFile: keyFile }),
  });
  for (const line of output.split("\n").filter(Boolean)) {
    stage.log(`  ${line}`);
  }
}

/**
 * Where `gitops.flux.deployKeyFile` points: an absolute path or one under the home folder (`~/…`,
 * as a shell would expand it) stays where it is, since a deploy key usually lives outside the
 * repo; only a relative path is read from the repo root.
 */
export function deployKeyPath(value: string, repoRoot: string, home: string): string {
  if (value === "~") {
    return home;
  }
  if (value.startsWith("~/")) {
    return join(home, value.slice(2));
  }
  return isAbsolute(value) ? value : join(repoRoot, value);
}

async function waitForOwnObjects(name: FluxStage, stage: StageEnvironment): Promise<void> {
  const { flux } = toolsOf(stage);
  let notReady: FluxObjectStatus[] = [];
  const objects = await pollUntil(
    stage,
    `${name}: Kustomizations and HelmReleases Ready`,
    async () => {
      const all = [
        ...(await flux.kustomizations()).map((ks) => ({ ...ks, kind: "Kustomization" })),
        ...(await flux.helmReleases()).map((hr) => ({ ...hr, kind: "HelmRelease" })),
      ];
      const own = ownObjects(name, all);
      notReady = own.filter((object) => object.ready !== "True");
      return notReady.length === 0 ? own : undefined;
    },
    () =>
      notReady
        .map(
          (object) =>
            `${(object as { kind?: string }).kind ?? ""} ${object.namespace}/${object.name} is not Ready: ${object.message}`,
        )
        .join("; "),
  );
  stage.log(`${name}: ${objects.length} Kustomizations and HelmReleases Ready`);
}

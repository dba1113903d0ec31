import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGitHttpServer } from "../../../lab/gitops/git-http.ts";
import { type HostFlavor, startPullRequestServer } from "../../../lab/gitops/pull-request-server.ts";
import { testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";

/**
 * The pieces the GitOps tests share: a homelab whose Flux syncs `main` of a remote (what
 * `flux bootstrap git` writes to kubernetes/flux/flux-system/gotk-sync.yaml), the obs stage as
 * Flux sees it, and a CLI agent stand-in that fixes the HelmRelease.
 */

/** The HelmRelease the fault is planted in. */
export const RELEASE = "kubernetes/apps/observability/kps/helmrelease.yaml";

/** The GitRepository and Kustomization `flux bootstrap git` writes, both flux-system. */
export function gotkSync(url: string): string {
  return [
    "apiVersion: source.toolkit.fluxcd.io/v1",
    "kind: GitRepository",
    "metadata: { name: flux-system, namespace: flux-system }",
    `spec: { interval: 1m, url: "${url}", ref: { branch: main } }`,
    "---",
    "apiVersion: kustomize.toolkit.fluxcd.io/v1",
    "kind: Kustomization",
    "metadata: { name: flux-system, namespace: flux-system }",
    "spec: { interval: 10m, path: ./kubernetes/flux, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }",
    "",
  ].join("\n");
}

/** The obs stage as Flux sees it: the HelmRelease on the branch Flux syncs, on the remote ($REMOTE). */
export const OBS_STAGE = `#!/usr/bin/env bash
if ! git --git-dir "$REMOTE" show main:${RELEASE} | grep -q 'port: 9090'; then
  echo "Error: HelmRelease observability/kps is not Ready: Prometheus service port 9091 is not the port the checks read" >&2
  exit 1
fi
echo "kps Ready"
`;

/** A CLI agent stand-in that fixes the HelmRelease in the AI worktree. */
export const FIX_AGENT = `#!/usr/bin/env bash
sed -i 's/port: 9091/port: 9090/' ${RELEASE}
echo "serve Prometheus on 9090"
`;

/** The HelmRelease's values with the Prometheus service on `port`. */
export const releaseWithPort = (port: number) =>
  `spec:\n  values:\n    prometheus:\n      service:\n        port: ${port}\n`;

/**
 * A homelab repo whose obs stage fails until the HelmRelease on the remote's main is fixed: the
 * remote a bare repository on a loopback git server (git http-backend) (`project`, e.g. `home/lab/homelab`), a
 * loopback forge of `flavor` in front of it, and the fix agent as the executor. `env` turns
 * GitOps delivery on with `approval`.
 */
export async function forgeHomelab(options: {
  flavor: HostFlavor;
  approval: "auto" | "propose";
  project: string;
  token: string;
  /** Undone after the test, last first. */
  cleanups: (() => unknown)[];
}) {
  const { cleanups, project } = options;
  const base = mkdtempSync(join(tmpdir(), "forge-"));
  const gitServer = await startGitHttpServer(base);
  cleanups.push(
    () => rmSync(base, { recursive: true, force: true }),
    () => gitServer.close(),
  );
  const tools = mkdtempSync(join(tmpdir(), "agent-"));
  writeFileSync(join(tools, "agent.sh"), FIX_AGENT, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      '  obs:\n    command: ./obs.sh\n    files: ["kubernetes/apps/observability/**"]',
      "  executor_retry_threshold: 3\n  api_call_budget: 0",
    ),
    "kubernetes/flux/flux-system/gotk-sync.yaml": gotkSync(`${gitServer.baseUrl}${project}.git`),
    [RELEASE]: releaseWithPort(9091),
    "obs.sh": OBS_STAGE,
  });
  cleanups.push(
    () => rmSync(repo, { recursive: true, force: true }),
    () => rmSync(tools, { recursive: true }),
  );
  await gitServer.createRepo(project, { from: repo });
  const remote = join(base, ...`${project}.git`.split("/"));
  const forge = await startPullRequestServer({
    flavor: options.flavor,
    token: options.token,
    repos: { [project]: remote },
  });
  cleanups.push(() => forge.close());
  const env = testEnv({
    REMOTE: remote,
    EXECUTOR: "command",
    EXECUTOR_COMMAND: join(tools, "agent.sh"),
    GITOPS_APPROVAL: options.approval,
    GITOPS_FORGE: options.flavor,
    GITOPS_API_URL: forge.apiUrl,
    GITOPS_TOKEN: options.token,
    GITOPS_MERGE_WAIT: "10ms",
  });
  return { repo, remote, forge, env };
}

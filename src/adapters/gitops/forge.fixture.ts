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

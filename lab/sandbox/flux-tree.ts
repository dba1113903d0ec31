/**
 * The Flux tree every lab repo holds (demo, `qualify`, the lab tests): shaped after
 * onedr0p/cluster-template@2026.8.0 template/config/kubernetes/ — an entry point in
 * kubernetes/flux/cluster/ whose Kustomization `cluster-apps` applies ./kubernetes/apps, and one
 * folder per namespace there (namespace.yaml, a kustomization.yaml that sets the namespace and lists
 * each app's ks.yaml), each app a Flux Kustomization (ks.yaml: path ./kubernetes/apps/<ns>/<app>/app,
 * targetNamespace <ns>) over its app/ folder (helmrelease.yaml, its chart source, kustomization.yaml).
 *
 * Two differences from the template, both for the lab: the charts come from HelmRepositories
 * (`chart.spec`, Flux's HelmRepository of `type: oci` for OCI registries,
 * fluxcd.io/flux/components/source/helmrepositories/) where the template now pins one OCIRepository
 * per app, and there is no SOPS component (the lab has no secrets to decrypt; `${SECRET_DOMAIN}` is
 * written out as example.com). Flux itself is installed by `flux bootstrap git`, whose manifests
 * (kubernetes/flux/cluster/flux-system/: gotk-sync.yaml from fluxcd/flux2@v2.9.4
 * pkg/manifestgen/sync/sync.go:36-113, kustomization.yaml, gotk-components.yaml) are written here
 * as bootstrap leaves them, so the repo names the GitRepository GitOps delivery pushes to.
 *
 * The apps are those the Flux stages wait for (src/homelab/stages/flux-checks.ts STAGE_NAMESPACES):
 * infra cilium/coredns/local-path-provisioner (the default StorageClass), apps echo (with an
 * Ingress), ingress cert-manager with its ClusterIssuer (cert-manager-issuers, after the chart's
 * CRDs), cloudflare-tunnel (and the IngressClass echo's Ingress names) and the wildcard
 * Certificate (certificates, after the issuer), obs kube-prometheus-stack (Prometheus on the
 * prometheus-operated service, port 9090). It is green in the lab as it is; every fault in it
 * is a change to one file (src/qualify/faults.ts, the Flux-tree block).
 */
import { bootstrapManifests } from "../fake-cli/flux-source.ts";
import { LAB_FLUX_PATH, labApps } from "./flux-tree-apps.ts";

export { LAB_FLUX_PATH } from "./flux-tree-apps.ts";

/** Repo-relative path → text. */
export type FluxTreeFiles = Readonly<Record<string, string>>;

/** cluster-template's flux/cluster/ks.yaml, without its SOPS decryption and patches. */
const CLUSTER_APPS = `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: cluster-apps
  namespace: flux-system
spec:
  interval: 1h
  path: ./kubernetes/apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
  wait: false
`;

/** The tree but bootstrap's flux-system/ folder, whose gotk-sync.yaml names the lab's git server. */
export const LAB_FLUX_TREE: FluxTreeFiles = {
  [`${LAB_FLUX_PATH}/ks.yaml`]: CLUSTER_APPS,
  ...labApps(),
};

/**
 * The whole tree for a repo whose Flux syncs `branch` of `url`, with flux-system/ exactly as the
 * lab's `flux bootstrap git` writes it (lab/fake-cli/flux-source.ts bootstrapManifests), so
 * bootstrap finds its manifests up to date and pushes nothing.
 */
export function labFluxTree(url: string, branch = "main"): FluxTreeFiles {
  return { ...bootstrapManifests({ url, branch, path: LAB_FLUX_PATH }), ...LAB_FLUX_TREE };
}

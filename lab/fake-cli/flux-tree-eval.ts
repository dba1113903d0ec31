import { evaluateHelmReleases } from "./helm-release-eval.ts";
import { buildKustomization, CLUSTER_SCOPED, type Manifest, withNamespace } from "./kustomize-build.ts";

/**
 * What Flux makes of the synced artifact: every Kustomization reached from flux-system, every
 * HelmRelease they apply, Ready or not with the controllers' own messages, and the objects they
 * applied. Flux retries failed objects at their interval until the cluster settles; the lab
 * computes that settled state at once by re-evaluating until nothing changes.
 *
 * Read from the tree (the contract with the lab's Flux tree, lab/sandbox):
 * - Kustomization (kustomize.toolkit.fluxcd.io): metadata, spec.path, spec.dependsOn[].{name,namespace},
 *   spec.targetNamespace, spec.suspend; flux-system's own path is `flux bootstrap --path`.
 * - HelmRelease (helm.toolkit.fluxcd.io): spec.chart.spec.{chart,version,sourceRef.{kind,name,namespace}}
 *   or spec.chartRef.{kind: OCIRepository,name,namespace}, spec.values, spec.targetNamespace,
 *   spec.releaseName, spec.dependsOn.
 * - HelmRepository, OCIRepository (source.toolkit.fluxcd.io; OCIRepository spec.url's last segment
 *   is the chart, spec.ref.tag its version), Namespace, StorageClass, IngressClass, Ingress
 *   (spec.ingressClassName), ClusterIssuer/Issuer and Certificate (spec.issuerRef.{name,kind}).
 * - Charts and their values schemas: LAB_CHARTS (charts.ts).
 *
 * What a green tree needs, as on a real cluster:
 * - `<path>/flux-system/` as `bootstrapManifests()` (flux-source.ts) writes it, or bootstrap
 *   commits and pushes its own version to the branch (as the real one does);
 * - a folder without kustomization.yaml is generated from every YAML file below it, down to
 *   folders that have one (so an app's app/ folder is applied by the parent unless the
 *   namespace folder's kustomization.yaml lists only the ks.yaml files);
 * - Certificate/ClusterIssuer/Issuer and ServiceMonitor/PrometheusRule are refused (`no matches
 *   for kind`) until their CRDs are served: the chart's HelmRelease is Ready (in another
 *   Kustomization, e.g. through dependsOn) or the CRD was applied (kubernetes/bootstrap/);
 * - the default StorageClass comes from local-path-provisioner's `storageClass.defaultClass: true`
 *   or a StorageClass annotated `storageclass.kubernetes.io/is-default-class: "true"`.
 */

export interface FluxObjectState {
  readonly kind: "Kustomization" | "HelmRelease";
  readonly namespace: string;
  readonly name: string;
  readonly ready: boolean;
  readonly suspended: boolean;
  readonly message: string;
  /** Kustomization: the artifact revision; HelmRelease: the chart version. */
  readonly revision: string;
}

export interface InstalledRelease {
  readonly namespace: string;
  readonly name: string;
  readonly chart: string;
  readonly values: Record<string, unknown>;
}

export interface FluxTreeState {
  readonly objects: FluxObjectState[];
  /** Objects Flux applied, with their namespace as applied. */
  readonly applied: Manifest[];
  /** HelmReleases installed (Ready), for the facts their charts add. */
  readonly releases: InstalledRelease[];
}

export interface FluxTreeInput {
  /** The artifact folder (the checkout of the synced commit). */
  readonly root: string;
  /** `flux bootstrap --path`: what flux-system applies. */
  readonly path: string;
  /** `<branch>@sha1:<sha>` */
  readonly revision: string;
  /** `Kind ns/name` → message: objects held not Ready whatever the tree says (world faults). */
  readonly notReady: Readonly<Record<string, string>>;
  /** CustomResourceDefinitions already in the cluster (e.g. applied from kubernetes/bootstrap/). */
  readonly crds: readonly string[];
}

/** Namespaces every cluster has (the API server creates them; flux-system is bootstrap's). */
export const BUILT_IN_NAMESPACES = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "flux-system",
];

/** Kinds whose CRDs come with a chart: applying one before the chart is installed fails. */
const CRD_CHART: Record<string, string> = {
  "cert-manager.io/Certificate": "cert-manager",
  "cert-manager.io/ClusterIssuer": "cert-manager",
  "cert-manager.io/Issuer": "cert-manager",
  "monitoring.coreos.com/ServiceMonitor": "kube-prometheus-stack",
  "monitoring.coreos.com/PrometheusRule": "kube-prometheus-stack",
};

interface KsSpec {
  readonly namespace: string;
  readonly name: string;
  readonly path: string;
  readonly dependsOn: { namespace: string; name: string }[];
  readonly targetNamespace: string | undefined;
  readonly suspended: boolean;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

export function evaluateFluxTree(input: FluxTreeInput): FluxTreeState {
  const root: KsSpec = {
    namespace: "flux-system",
    name: "flux-system",
    path: `./${input.path.replace(/^\.\//, "")}`,
    dependsOn: [],
    targetNamespace: undefined,
    suspended: false,
  };
  let installedCharts = new Set<string>();
  let state: FluxTreeState = { objects: [], applied: [], releases: [] };
  // Each round is one more pass of every controller; a tree settles in a few.
  for (let round = 0; round < 12; round++) {
    const kustomizations = evaluateKustomizations(root, input, installedCharts);
    const releases = evaluateHelmReleases(kustomizations.applied, input.notReady);
    state = {
      objects: [...kustomizations.objects, ...releases.objects],
      applied: kustomizations.applied,
      releases: releases.installed,
    };
    const charts = new Set(releases.installed.map((release) => release.chart));
    if (charts.size === installedCharts.size) {
      break;
    }
    installedCharts = charts;
  }
  return state;
}

function specOf(object: Manifest): KsSpec {
  const spec = record(object.spec);
  const namespace = object.metadata.namespace ?? "flux-system";
  return {
    namespace,
    name: object.metadata.name,
    path: typeof spec["path"] === "string" ? spec["path"] : "./",
    dependsOn: (Array.isArray(spec["dependsOn"]) ? spec["dependsOn"] : []).map((dep) => ({
      namespace: String(record(dep)["namespace"] ?? namespace),
      name: String(record(dep)["name"] ?? ""),
    })),
    targetNamespace: typeof spec["targetNamespace"] === "string" ? spec["targetNamespace"] : undefined,
    suspended: spec["suspend"] === true,
  };
}

function evaluateKustomizations(root: KsSpec, input: FluxTreeInput, installedCharts: ReadonlySet<string>) {
  const specs = new Map<string, KsSpec>([[key(root.namespace, root.name), root]]);
  const builds = new Map<string, ReturnType<typeof buildKustomization>>();
  const build = (spec: KsSpec) => {
    const id = key(spec.namespace, spec.name);
    let result = builds.get(id);
    if (result === undefined) {
      result = buildKustomization(input.root, spec.path);
      if ("objects" in result && spec.targetNamespace !== undefined) {
        const target = spec.targetNamespace;
        result = { objects: result.objects.map((object) => withNamespace(object, target)) };
      }
      builds.set(id, result);
    }
    return result;
  };
  let statuses = new Map<string, { ready: boolean; message: string; applied: Manifest[] }>();
  for (let grown = true; grown; ) {
    grown = false;
    const namespaces = new Set(BUILT_IN_NAMESPACES);
    const crds = new Set(input.crds);
    for (const spec of specs.values()) {
      const built = build(spec);
      if ("objects" in built) {
        for (const object of built.objects) {
          if (object.kind === "Namespace") {
            namespaces.add(object.metadata.name);
          }
          if (object.kind === "CustomResourceDefinition") {
            crds.add(object.metadata.name);
          }
        }
      }
    }
    // A kind from a CRD is served once its chart is installed or its CRD applied (kubectl or the tree).
    const kindServed = (groupKind: string) => {
      const chart = CRD_CHART[groupKind];
      const [group = "", kind = ""] = groupKind.split("/");
      return chart === undefined || installedCharts.has(chart) || crds.has(`${kind.toLowerCase()}s.${group}`);
    };
    statuses = new Map();
    const visiting = new Set<string>();
    const status = (id: string): { ready: boolean; message: string; applied: Manifest[] } => {
      const known = statuses.get(id);
      if (known) {
        return known;
      }
      const spec = specs.get(id);
      if (spec === undefined || visiting.has(id)) {
        return { ready: false, message: "", applied: [] }; // the caller names the dependency
      }
      visiting.add(id);
      const result = kustomizationStatus(spec, input, build(spec), namespaces, kindServed, specs, status);
      visiting.delete(id);
      statuses.set(id, result);
      return result;
    };
    for (const id of [...specs.keys()]) {
      for (const object of status(id).applied) {
        if (object.kind === "Kustomization" && object.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")) {
          const child = specOf(object);
          const childId = key(child.namespace, child.name);
          if (!specs.has(childId)) {
            specs.set(childId, child);
            grown = true;
          }
        }
      }
    }
  }
  const objects: FluxObjectState[] = [...specs.values()].map((spec) => {
    const result = statuses.get(key(spec.namespace, spec.name));
    return {
      kind: "Kustomization",
      namespace: spec.namespace,
      name: spec.name,
      ready: result?.ready ?? false,
      suspended: spec.suspended,
      message: result?.message ?? "waiting to be reconciled",
      revision: input.revision,
    };
  });
  const applied = [...statuses.values()].flatMap((result) => result.applied);
  return { objects, applied };
}

function kustomizationStatus(
  spec: KsSpec,
  input: FluxTreeInput,
  built: ReturnType<typeof buildKustomization>,
  namespaces: ReadonlySet<string>,
  kindServed: (groupKind: string) => boolean,
  specs: ReadonlyMap<string, KsSpec>,
  status: (id: string) => { ready: boolean },
): { ready: boolean; message: string; applied: Manifest[] } {
  const fault = input.notReady[`Kustomization ${key(spec.namespace, spec.name)}`];
  if (fault !== undefined) {
    return { ready: false, message: fault, applied: [] };
  }
  // Dependencies first (kustomization_controller.go:245-263, checkDependencies 568-608).
  for (const dep of spec.dependsOn) {
    const id = key(dep.namespace, dep.name);
    if (!specs.has(id)) {
      return {
        ready: false,
        message: `dependency '${id}' not found: kustomizations.kustomize.toolkit.fluxcd.io "${dep.name}" not found`,
        applied: [],
      };
    }
    if (!status(id).ready) {
      return { ready: false, message: `dependency '${id}' is not ready`, applied: [] };
    }
  }
  if ("error" in built) {
    return { ready: false, message: built.error, applied: [] };
  }
  const failure = applyFailure(built.objects, namespaces, kindServed);
  if (failure !== undefined) {
    // Namespaces and CRDs are applied in the first stage, before the dry-run that failed
    // (fluxcd/pkg@ssa/v0.76.1 ssa/manager_apply.go ApplyAllStaged).
    return { ready: false, message: failure, applied: built.objects.filter((o) => o.kind === "Namespace") };
  }
  return { ready: true, message: `Applied revision: ${input.revision}`, applied: built.objects };
}

/**
 * The server-side apply's first refusal, as fluxcd/pkg@ssa/v0.76.1 ssa/errors/errors.go:49-73
 * words it: `<Kind>/<ns>/<name> not found: namespaces "<ns>" not found`, `… namespace not
 * specified: …`, or a kind whose CRD is not installed yet.
 */
function applyFailure(
  objects: readonly Manifest[],
  namespaces: ReadonlySet<string>,
  kindServed: (groupKind: string) => boolean,
): string | undefined {
  for (const object of objects) {
    const group = object.apiVersion.split("/")[0] ?? "";
    const id = `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
    if (!kindServed(`${group}/${object.kind}`)) {
      return `${id} dry-run failed: no matches for kind "${object.kind}" in version "${object.apiVersion}"`;
    }
    if (CLUSTER_SCOPED.has(object.kind)) {
      continue;
    }
    const namespace = object.metadata.namespace;
    if (namespace === undefined) {
      return `${id} namespace not specified: the server could not find the requested resource`;
    }
    if (!namespaces.has(namespace)) {
      return `${id} not found: namespaces "${namespace}" not found`;
    }
  }
  return undefined;
}

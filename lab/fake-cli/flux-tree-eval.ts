import { chartVersion, findChart, type LAB_CHARTS, schemaViolations } from "./charts.ts";
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
    for (const spec of specs.values()) {
      const built = build(spec);
      if ("objects" in built) {
        for (const object of built.objects) {
          if (object.kind === "Namespace") {
            namespaces.add(object.metadata.name);
          }
        }
      }
    }
    statuses = new Map();
    const visiting = new Set<string>();
    const status = (id: string): { ready: boolean; message: string; applied: Manifest[] } => {
      const known = statuses.get(id);
      if (known) {
        return known;
      }
      const spec = specs.get(id);
      if (spec === undefined || visiting.has(id)) {
        return { ready: false, message: "dependency cycle", applied: [] };
      }
      visiting.add(id);
      const result = kustomizationStatus(
        spec,
        input,
        build(spec),
        namespaces,
        installedCharts,
        specs,
        status,
      );
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
  installedCharts: ReadonlySet<string>,
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
  const failure = applyFailure(built.objects, namespaces, installedCharts);
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
  installedCharts: ReadonlySet<string>,
): string | undefined {
  for (const object of objects) {
    const group = object.apiVersion.split("/")[0] ?? "";
    const chart = CRD_CHART[`${group}/${object.kind}`];
    const id = `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
    if (chart !== undefined && !installedCharts.has(chart)) {
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

function evaluateHelmReleases(applied: readonly Manifest[], notReady: Readonly<Record<string, string>>) {
  const find = (kind: string, namespace: string, name: string) =>
    applied.find(
      (object) =>
        object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace,
    );
  const releases = applied.filter(
    (object) => object.kind === "HelmRelease" && object.apiVersion.startsWith("helm.toolkit.fluxcd.io/"),
  );
  const objects: FluxObjectState[] = [];
  const installed: InstalledRelease[] = [];
  const ready = new Map<string, boolean>();
  const visit = (release: Manifest): boolean => {
    const namespace = release.metadata.namespace ?? "default";
    const id = key(namespace, release.metadata.name);
    const known = ready.get(id);
    if (known !== undefined) {
      return known;
    }
    ready.set(id, false); // a cycle stays not Ready
    const spec = record(release.spec);
    const outcome = helmReleaseOutcome(release, spec, namespace, find, notReady, (dep) => {
      const target = releases.find((r) => key(r.metadata.namespace ?? "default", r.metadata.name) === dep);
      return target !== undefined && visit(target);
    });
    ready.set(id, outcome.ready);
    objects.push({
      kind: "HelmRelease",
      namespace,
      name: release.metadata.name,
      ready: outcome.ready,
      suspended: spec["suspend"] === true,
      message: outcome.message,
      revision: outcome.version ?? "",
    });
    if (outcome.ready && outcome.chart !== undefined) {
      installed.push({
        namespace: typeof spec["targetNamespace"] === "string" ? spec["targetNamespace"] : namespace,
        name: typeof spec["releaseName"] === "string" ? spec["releaseName"] : release.metadata.name,
        chart: outcome.chart,
        values: record(spec["values"]),
      });
    }
    return outcome.ready;
  };
  for (const release of releases) {
    visit(release);
  }
  return { objects, installed };
}

type Finder = (kind: string, namespace: string, name: string) => Manifest | undefined;

interface ReleaseOutcome {
  readonly ready: boolean;
  readonly message: string;
  readonly chart?: string;
  readonly version?: string;
}

/**
 * One HelmRelease, in helm-controller's order (fluxcd/helm-controller@v1.6.3
 * internal/controller/helmrelease_controller.go): dependencies (:656 `dependency '…' is not
 * ready`), the source (:289 `could not get Source object: …`; :299 and isReady :871-897 for a
 * HelmChart source-controller could not build), then the install (internal/reconcile/install.go:137-139).
 */
function helmReleaseOutcome(
  release: Manifest,
  spec: Record<string, unknown>,
  namespace: string,
  find: Finder,
  notReady: Readonly<Record<string, string>>,
  dependencyReady: (id: string) => boolean,
): ReleaseOutcome {
  const fault = notReady[`HelmRelease ${key(namespace, release.metadata.name)}`];
  if (fault !== undefined) {
    return { ready: false, message: fault };
  }
  for (const dep of Array.isArray(spec["dependsOn"]) ? spec["dependsOn"] : []) {
    const id = key(String(record(dep)["namespace"] ?? namespace), String(record(dep)["name"] ?? ""));
    if (!dependencyReady(id)) {
      return { ready: false, message: `dependency '${id}' is not ready` };
    }
  }
  const source = chartSource(release, spec, namespace, find);
  if ("message" in source) {
    return { ready: false, message: source.message };
  }
  const releaseNamespace = typeof spec["targetNamespace"] === "string" ? spec["targetNamespace"] : namespace;
  const releaseName = typeof spec["releaseName"] === "string" ? spec["releaseName"] : release.metadata.name;
  const violations = schemaViolations(source.chart, spec["values"]);
  if (violations !== undefined) {
    // helm/helm pkg/chart/common/util/values.go ToRenderValues; helm-controller trims the text.
    const helm = `values don't meet the specifications of the schema(s) in the following chart(s):\n${violations}`;
    return {
      ready: false,
      message: `Helm install failed for release ${releaseNamespace}/${releaseName} with chart ${source.chart.name}@${source.version}: ${helm.trim()}`,
      chart: source.chart.name,
      version: source.version,
    };
  }
  return {
    ready: true,
    message: `Helm install succeeded for release ${releaseNamespace}/${releaseName}.v1 with chart ${source.chart.name}@${source.version}`,
    chart: source.chart.name,
    version: source.version,
  };
}

function chartSource(
  release: Manifest,
  spec: Record<string, unknown>,
  namespace: string,
  find: Finder,
): { chart: (typeof LAB_CHARTS)[number]; version: string } | { message: string } {
  const chartRef = record(spec["chartRef"]);
  if (Object.keys(chartRef).length > 0) {
    const name = String(chartRef["name"] ?? "");
    const refNamespace = String(chartRef["namespace"] ?? namespace);
    const repository =
      chartRef["kind"] === "OCIRepository" ? find("OCIRepository", refNamespace, name) : undefined;
    if (repository === undefined) {
      return {
        message: `could not get Source object: ocirepositories.source.toolkit.fluxcd.io "${name}" not found`,
      };
    }
    const ociSpec = record(repository.spec);
    const url = String(ociSpec["url"] ?? "");
    const tag = optionalString(record(ociSpec["ref"])["tag"]);
    const chart = findChart(url.split("/").at(-1) ?? "", tag);
    if (chart === undefined) {
      // source-controller@v1.9.1 internal/controller/ocirepository_controller.go:448; the registry's
      // own answer for an unknown repository or tag is MANIFEST_UNKNOWN (OCI distribution spec).
      return {
        message: `OCIRepository '${refNamespace}/${name}' is not ready: failed to determine artifact digest: ${url.replace(/^oci:\/\//, "")}:${tag ?? "latest"}: MANIFEST_UNKNOWN: manifest unknown`,
      };
    }
    return { chart, version: tag ?? chart.versions[0] ?? "" };
  }
  const template = record(record(spec["chart"])["spec"]);
  const sourceRef = record(template["sourceRef"]);
  const sourceNamespace = String(sourceRef["namespace"] ?? namespace);
  const chartName = `${sourceNamespace}/${namespace}-${release.metadata.name}`;
  const repository = String(sourceRef["name"] ?? "");
  if (find("HelmRepository", sourceNamespace, repository) === undefined) {
    // source-controller@v1.9.1 internal/controller/helmchart_controller.go:438-455
    return {
      message: `HelmChart '${chartName}' is not ready: failed to get source: helmrepositories.source.toolkit.fluxcd.io "${repository}" not found`,
    };
  }
  return resolveChart(
    String(template["chart"] ?? ""),
    optionalString(template["version"]),
    `HelmChart '${chartName}'`,
  );
}

/** A chart by name and version from the catalog, or source-controller's refusal. */
function resolveChart(
  name: string,
  version: string | undefined,
  source: string,
): { chart: (typeof LAB_CHARTS)[number]; version: string } | { message: string } {
  const chart = findChart(name, undefined);
  // source-controller@v1.9.1 internal/helm/repository/chart_repository.go:194-243 (helm's
  // repo.ErrNoChartName is "no chart name found"), wrapped by internal/helm/chart/builder_remote.go:141
  // and errors.go:81 "invalid chart reference".
  const prefix = `${source} is not ready: invalid chart reference: failed to get chart version for remote reference`;
  if (chart === undefined) {
    return { message: `${prefix}: no chart name found` };
  }
  const resolved = chartVersion(chart, version);
  if (resolved === undefined) {
    return { message: `${prefix}: no '${name}' chart with version matching '${version}' found` };
  }
  return { chart, version: resolved };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

import { chartVersion, findChart, type LabChart, schemaViolations } from "./charts.ts";
import type { FluxObjectState, InstalledRelease } from "./flux-tree-eval.ts";
import type { Manifest } from "./kustomize-build.ts";

/**
 * HelmReleases Flux applied, evaluated as helm-controller (and source-controller for their chart
 * source) would: Ready with the install message, or not with the controllers' reason.
 */

const key = (namespace: string, name: string) => `${namespace}/${name}`;
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

export function evaluateHelmReleases(
  applied: readonly Manifest[],
  notReady: Readonly<Record<string, string>>,
) {
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
  const outcome = treeOutcome(release, spec, namespace, find, dependencyReady);
  // A world fault holds the release not Ready with its message; the chart version it tried stays.
  const fault = notReady[`HelmRelease ${key(namespace, release.metadata.name)}`];
  return fault === undefined
    ? outcome
    : {
        ready: false,
        message: fault,
        ...(outcome.version === undefined ? {} : { version: outcome.version }),
      };
}

function treeOutcome(
  release: Manifest,
  spec: Record<string, unknown>,
  namespace: string,
  find: Finder,
  dependencyReady: (id: string) => boolean,
): ReleaseOutcome {
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
): { chart: LabChart; version: string } | { message: string } {
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
): { chart: LabChart; version: string } | { message: string } {
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

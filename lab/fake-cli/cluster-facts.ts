import type { FluxTreeState, InstalledRelease } from "./flux-tree-eval.ts";
import type { Manifest } from "./kustomize-build.ts";

/**
 * What kubectl sees in a cluster Flux has reconciled: the objects the tree applied and those the
 * installed charts create, read from their values with the charts' own keys and defaults.
 */

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const path = (values: Record<string, unknown>, ...keys: string[]): unknown =>
  keys.reduce<unknown>((at, name) => record(at)[name], values);

/** Helm's `<chart>.fullname`: the release name when it contains the chart name, else `<release>-<chart>`. */
function fullname(release: InstalledRelease): string {
  return release.name.includes(release.chart) ? release.name : `${release.name}-${release.chart}`;
}

export interface StorageClassFact {
  readonly name: string;
  readonly provisioner: string;
  readonly default: boolean;
}

/**
 * StorageClasses applied from the tree (default by the `storageclass.kubernetes.io/is-default-class`
 * annotation, kubernetes.io/docs/tasks/administer-cluster/change-default-storage-class/) and the
 * one local-path-provisioner creates (rancher/local-path-provisioner deploy/chart/local-path-provisioner
 * templates/storageclass.yaml: values
 * storageClass.create, .name default "local-path", .defaultClass default false).
 */
export function storageClasses(tree: FluxTreeState): StorageClassFact[] {
  const applied = tree.applied
    .filter((object) => object.kind === "StorageClass")
    .map((object) => ({
      name: object.metadata.name,
      provisioner: String((object as { provisioner?: unknown }).provisioner ?? ""),
      default:
        record(record(object.metadata)["annotations"])["storageclass.kubernetes.io/is-default-class"] ===
        "true",
    }));
  const charted = tree.releases
    .filter((release) => release.chart === "local-path-provisioner")
    .filter((release) => path(release.values, "storageClass", "create") !== false)
    .map((release) => ({
      name: String(path(release.values, "storageClass", "name") ?? "local-path"),
      provisioner: "cluster.local/local-path-provisioner",
      default: path(release.values, "storageClass", "defaultClass") === true,
    }));
  return [...applied, ...charted];
}

/** cloudflare/cloudflare-tunnel's Deployment is named after the chart's fullname. */
export function tunnelDeployments(tree: FluxTreeState): { namespace: string; deployment: string }[] {
  return tree.releases
    .filter((release) => release.chart === "cloudflare-tunnel")
    .map((release) => ({ namespace: release.namespace, deployment: fullname(release) }));
}

export interface PrometheusFact {
  readonly namespace: string;
  /** Services that answer the Prometheus API, with their port. */
  readonly services: Readonly<Record<string, number>>;
  readonly jobs: string[];
}

/**
 * kube-prometheus-stack: the operator's `prometheus-operated` service on 9090, the chart's
 * `<fullname>-prometheus` service on `prometheus.service.port` (default 9090), and one scrape
 * job per enabled component (values kubeApiServer/kubelet/nodeExporter/kubeControllerManager/
 * kubeScheduler/kubeEtcd `.enabled`, all true by default) — prometheus-community/helm-charts
 * charts/kube-prometheus-stack/values.yaml.
 */
export function prometheus(tree: FluxTreeState): PrometheusFact | undefined {
  const release = tree.releases.find((candidate) => candidate.chart === "kube-prometheus-stack");
  if (release === undefined) {
    return undefined;
  }
  const port = path(release.values, "prometheus", "service", "port");
  const components: [string, string][] = [
    ["kubeApiServer", "apiserver"],
    ["kubelet", "kubelet"],
    ["nodeExporter", "node-exporter"],
    ["kubeControllerManager", "kube-controller-manager"],
    ["kubeScheduler", "kube-scheduler"],
    ["kubeEtcd", "kube-etcd"],
  ];
  return {
    namespace: release.namespace,
    services: {
      "prometheus-operated": 9090,
      [`${fullname(release)}-prometheus`]: typeof port === "number" ? port : 9090,
    },
    jobs: components
      .filter(([component]) => path(release.values, component, "enabled") !== false)
      .map(([, job]) => job),
  };
}

export interface CertificateFact {
  readonly namespace: string;
  readonly name: string;
  readonly secret: string;
  readonly issuer: string;
  readonly issuerKind: string;
  /** Why the certificate is not issued, as its CertificateRequest says; undefined when issued. */
  readonly pending: string | undefined;
}

/**
 * A Certificate is issued when its issuerRef names an issuer that exists: a ClusterIssuer, or an
 * Issuer in its namespace (issuerRef.kind defaults to Issuer). Otherwise its CertificateRequest
 * stays Pending with `Referenced "<Kind>" not found: <kind>.cert-manager.io "<name>" not found`
 * (cert-manager/cert-manager pkg/controller/certificaterequests/sync.go `IssuerNotFound`; the
 * condition message is `<message>: <error>`, pkg/controller/certificaterequests/util/reporter.go
 * Pending). The Certificate itself says `Issuing certificate as Secret does not exist`.
 */
export function certificates(tree: FluxTreeState, stuck: readonly string[]): CertificateFact[] {
  const exists = (kind: string, namespace: string, name: string) =>
    tree.applied.some(
      (object) =>
        object.kind === kind &&
        object.metadata.name === name &&
        (kind === "ClusterIssuer" || object.metadata.namespace === namespace),
    );
  return tree.applied
    .filter((object): object is Manifest => object.kind === "Certificate")
    .map((object) => {
      const namespace = object.metadata.namespace ?? "default";
      const spec = record(object.spec);
      const ref = record(spec["issuerRef"]);
      const issuerKind = String(ref["kind"] ?? "Issuer");
      const issuer = String(ref["name"] ?? "");
      const pending = !exists(issuerKind, namespace, issuer)
        ? `Referenced "${issuerKind}" not found: ${issuerKind.toLowerCase()}.cert-manager.io "${issuer}" not found`
        : stuck.includes(`${namespace}/${object.metadata.name}`)
          ? "Waiting on certificate issuance from order"
          : undefined;
      return {
        namespace,
        name: object.metadata.name,
        secret: String(spec["secretName"] ?? `${object.metadata.name}-tls`),
        issuer,
        issuerKind,
        pending,
      };
    });
}

export interface IngressFact {
  readonly namespace: string;
  readonly name: string;
  readonly className: string;
  readonly hosts: string[];
  /** Empty when no controller serves its class: nothing writes status.loadBalancer. */
  readonly address: string;
}

/** Ingresses; one whose `ingressClassName` names no IngressClass gets no address. */
export function ingresses(tree: FluxTreeState): IngressFact[] {
  const classes = new Set(
    tree.applied.filter((object) => object.kind === "IngressClass").map((object) => object.metadata.name),
  );
  return tree.applied
    .filter((object) => object.kind === "Ingress")
    .map((object) => {
      const spec = record(object.spec);
      const className = String(spec["ingressClassName"] ?? "");
      const rules = Array.isArray(spec["rules"]) ? spec["rules"] : [];
      return {
        namespace: object.metadata.namespace ?? "default",
        name: object.metadata.name,
        className: className === "" ? "<none>" : className,
        hosts: rules.map((rule) => String(record(rule)["host"] ?? "*")),
        address: classes.has(className) ? "192.168.1.25" : "",
      };
    });
}

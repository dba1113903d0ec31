import { pathExists } from "../../adapters/state-store/atomic-file.ts";
import { PROMETHEUS_TARGETS } from "../stages/flux-checks.ts";
import { generatedPaths } from "../stages/index.ts";
import { Flux, type FluxObjectStatus, Kubectl, parseKubectlTable } from "../tools/index.ts";
import { type FactSheet, plain } from "./fact-sheet.ts";

/** One kubectl or flux call's limit. */
const TOOL_TIMEOUT_MS = 15_000;
/**
 * A Flux message is free text; this much of it says why. Helm's schema refusal puts the cause
 * at the end of a long message, so a long one keeps its start and its end.
 */
const MAX_MESSAGE_CHARS = 220;
const MESSAGE_END_CHARS = 140;

export interface ClusterStateOptions {
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The Kubernetes wrappers on the talos stage's kubeconfig, or undefined (said once) before it exists. */
export async function clusterTools(sheet: FactSheet, options: ClusterStateOptions) {
  const { kubeconfig } = generatedPaths(options.repoRoot);
  if (!(await pathExists(kubeconfig))) {
    sheet.fail(
      "Kubernetes and Flux",
      new Error("no kubeconfig in the repo's folder yet (the talos stage writes it)"),
    );
    return undefined;
  }
  const base = { cwd: options.repoRoot, env: options.env, timeoutMs: TOOL_TIMEOUT_MS, kubeconfig };
  return { flux: new Flux(base), kubectl: new Kubectl(base) };
}

type Tools = NonNullable<Awaited<ReturnType<typeof clusterTools>>>;

/**
 * Every Kustomization and HelmRelease with its READY column and message (`flux get ks|hr -A`,
 * tab-separated tables: fluxcd/flux2@v2.9.4 cmd/flux/get.go:190-236), the ones not Ready first.
 * The message is Flux's own text: quoted, untrusted.
 */
export async function fluxFacts(sheet: FactSheet, { flux }: Tools): Promise<void> {
  const [kustomizations, helmReleases] = await Promise.all([
    sheet.attempt("flux get kustomizations -A", () => flux.kustomizations()),
    sheet.attempt("flux get helmreleases -A", () => flux.helmReleases()),
  ]);
  const objects = [
    ...(kustomizations ?? []).map((object) => ({ kind: "Kustomization", ...object })),
    ...(helmReleases ?? []).map((object) => ({ kind: "HelmRelease", ...object })),
  ];
  if (kustomizations === undefined && helmReleases === undefined) {
    return;
  }
  const notReady = objects.filter((object) => object.ready !== "True");
  const ready = objects.filter((object) => object.ready === "True");
  sheet.add({
    title: "Flux objects not Ready",
    source: "flux get ks -A; flux get hr -A",
    kind: "quoted",
    lines:
      objects.length === 0
        ? ["none: Flux has no Kustomizations or HelmReleases yet"]
        : notReady.length === 0
          ? [`none: all ${objects.length} Kustomizations and HelmReleases are Ready`]
          : notReady.map(fluxLine),
  });
  sheet.add({
    title: "Flux objects Ready",
    source: "flux get ks -A; flux get hr -A",
    kind: "observed",
    lines: ready.map((object) => `${object.kind} ${plain(object.namespace)}/${plain(object.name)}`),
  });
}

function fluxLine(object: FluxObjectStatus & { kind: string }): string {
  const message =
    object.message.length > MAX_MESSAGE_CHARS
      ? `${object.message.slice(0, MAX_MESSAGE_CHARS - MESSAGE_END_CHARS - 1)}…${object.message.slice(-MESSAGE_END_CHARS)}`
      : object.message;
  return `${object.kind} ${object.namespace}/${object.name}: READY ${object.ready || "?"}: ${message}`;
}

/**
 * cert-manager Certificates that are not Ready, with their issuer and why: `kubectl get certificate
 * -A -o wide` prints the CRD's printer columns READY, SECRET and, at priority 1 (wide), ISSUER and
 * STATUS (the Ready condition's message) (cert-manager/cert-manager@a39748ae
 * deploy/crds/crd-certificates.yaml:32-37). The reason an issuer gave is on the Certificate's
 * CertificateRequest, whose wide STATUS column is its Ready condition's message (same tag,
 * deploy/crds/crd-certificaterequests.yaml printer columns): a ClusterIssuer that does not exist is
 * named there. Both messages are cert-manager's text: quoted.
 */
export async function certificateFacts(sheet: FactSheet, { kubectl }: Tools): Promise<void> {
  const rows = await sheet.attempt("kubectl get certificate -A -o wide", async () =>
    parseKubectlTable(await kubectl.run(["get", "certificate", "-A", "-o", "wide"])),
  );
  if (rows === undefined) {
    return;
  }
  const notReady = rows.filter((row) => row["READY"] !== "True");
  const requests =
    notReady.length === 0
      ? []
      : ((await sheet.attempt("kubectl get certificaterequest -A -o wide", async () =>
          parseKubectlTable(await kubectl.run(["get", "certificaterequest", "-A", "-o", "wide"])),
        )) ?? []);
  const requestOf = (row: Record<string, string>) =>
    requests.find(
      (request) =>
        request["NAMESPACE"] === row["NAMESPACE"] && (request["NAME"] ?? "").startsWith(`${row["NAME"]}-`),
    );
  sheet.add({
    title: "Certificates not Ready",
    source: "kubectl get certificate,certificaterequest -A -o wide",
    kind: "quoted",
    lines:
      rows.length === 0
        ? ["no Certificates at all yet"]
        : notReady.length === 0
          ? [`none: all ${rows.length} are Ready`]
          : notReady.map((row) => {
              const request = requestOf(row);
              const why = request?.["STATUS"] ?? row["STATUS"] ?? "";
              return `${row["NAMESPACE"]}/${row["NAME"]}: READY ${row["READY"] || "?"}, issuer ${row["ISSUER"] || "?"}, secret ${row["SECRET"]}${why ? `: ${why}` : ""}`;
            }),
  });
}

/**
 * The StorageClasses and which is the default: `kubectl get storageclass` marks the default one
 * `(default)` after its name (kubernetes/kubernetes pkg/printers/internalversion/printers.go
 * printStorageClass, from the `storageclass.kubernetes.io/is-default-class` annotation).
 */
export async function storageClassFacts(sheet: FactSheet, { kubectl }: Tools): Promise<void> {
  const rows = await sheet.attempt("kubectl get storageclass", async () =>
    parseKubectlTable(await kubectl.run(["get", "storageclass"])),
  );
  if (rows === undefined) {
    return;
  }
  sheet.add({
    title: "StorageClasses",
    source: "kubectl get storageclass",
    kind: "observed",
    lines:
      rows.length === 0
        ? ["none"]
        : rows.map((row) => {
            const name = row["NAME"] ?? "";
            const isDefault = name.endsWith(" (default)");
            return `${plain(name.replace(/ \(default\)$/, ""))}: provisioner ${plain(row["PROVISIONER"])}, ${isDefault ? "the default" : "not the default"}`;
          }),
  });
}

/**
 * Prometheus scrape targets that are down, with the scrape error (the targets API through the
 * API server proxy, `data.activeTargets[].health` (up, down, unknown), `lastError` and
 * `scrapeUrl`: https://prometheus.io/docs/prometheus/latest/querying/api/#targets). The error
 * is Prometheus's own text: quoted.
 */
export async function prometheusFacts(sheet: FactSheet, { kubectl }: Tools): Promise<void> {
  const answer = await sheet.attempt(
    `kubectl get --raw ${PROMETHEUS_TARGETS}`,
    async () =>
      JSON.parse(await kubectl.raw(PROMETHEUS_TARGETS)) as {
        data?: {
          activeTargets?: {
            labels?: Record<string, string>;
            health?: string;
            lastError?: string;
            scrapeUrl?: string;
          }[];
        };
      },
  );
  if (answer === undefined) {
    return;
  }
  const targets = answer.data?.activeTargets ?? [];
  const down = targets.filter((target) => target.health === "down");
  sheet.add({
    title: "Prometheus targets down",
    source: "kubectl get --raw …/prometheus-operated:9090/proxy/api/v1/targets",
    kind: "quoted",
    lines:
      down.length === 0
        ? [`none of ${targets.length} targets is down`]
        : down.map(
            (target) =>
              `job ${target.labels?.["job"] ?? "?"} (${target.scrapeUrl ?? target.labels?.["instance"] ?? "?"}): down: ${target.lastError ?? ""}`,
          ),
  });
}

/** The Kubernetes nodes and their Ready condition (`kubectl get nodes -o json`). */
export async function kubernetesNodeFacts(sheet: FactSheet, { kubectl }: Tools): Promise<void> {
  const nodes = await sheet.attempt("kubectl get nodes -o json", () => kubectl.nodes());
  if (nodes) {
    sheet.add({
      title: "Kubernetes nodes",
      source: "kubectl get nodes -o json",
      kind: "observed",
      lines:
        nodes.length === 0
          ? ["none registered"]
          : nodes.map((node) => `${plain(node.name)}: Ready ${plain(node.ready)}`),
    });
  }
}

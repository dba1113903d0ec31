import { resolveNodes } from "../cluster-file/index.ts";
import { type FluxObjectStatus, parseKubectlTable, ToolError } from "../tools/index.ts";
import { listed, type StageCheck } from "./checks.ts";
import { readIngresses, whyNoAddress } from "./ingress-status.ts";
import type { toolsOf } from "./stage-context.ts";

/**
 * Which Flux objects belong to which stage, by namespace (cluster-template's layout:
 * kubernetes/apps/<namespace>/<app>); apps owns every namespace the others do not name.
 */
export const STAGE_NAMESPACES = {
  infra: ["flux-system", "kube-system", "storage", "longhorn-system", "openebs-system", "local-path-storage"],
  ingress: ["network", "cert-manager", "external-dns"],
  obs: ["observability", "monitoring"],
} as const;

/** Where the obs checks read Prometheus (kube-prometheus-stack's service, through the API server proxy). */
export const PROMETHEUS_TARGETS =
  "/api/v1/namespaces/observability/services/prometheus-operated:9090/proxy/api/v1/targets";

type FluxStageName = "infra" | "apps" | "ingress" | "obs";

export function ownObjects<T extends FluxObjectStatus>(stage: FluxStageName, objects: readonly T[]): T[] {
  const claimed = new Set<string>(Object.values(STAGE_NAMESPACES).flat());
  return objects.filter((object) =>
    stage === "apps"
      ? !claimed.has(object.namespace)
      : (STAGE_NAMESPACES[stage] as readonly string[]).includes(object.namespace),
  );
}

type Tools = ReturnType<typeof toolsOf>;

/**
 * cloudflared's recent log lines, or "" when kubectl cannot show them yet (no pod scheduled:
 * `kubectl logs` exits 1). Only kubectl's own refusal counts as "no log"; anything else goes up.
 */
async function tunnelLog(kubectl: Tools["kubectl"]): Promise<string> {
  try {
    return await kubectl.run(["-n", "network", "logs", "deploy/cloudflare-tunnel", "--tail=200"]);
  } catch (error) {
    if (error instanceof ToolError) {
      return "";
    }
    throw error;
  }
}

function fluxReady(stage: FluxStageName): StageCheck {
  return {
    name: `${stage}-ready`,
    description: `the ${stage} stage's Kustomizations and HelmReleases are Ready`,
    async run(_cluster, { flux }: Tools) {
      const objects = ownObjects(stage, [...(await flux.kustomizations()), ...(await flux.helmReleases())]);
      const bad = objects.filter((object) => object.ready !== "True");
      if (bad.length > 0) {
        return bad
          .map((object) => `${object.namespace}/${object.name} is not Ready: ${object.message}`)
          .join("; ");
      }
      return objects.length === 0 && stage !== "apps"
        ? `no Flux objects in ${STAGE_NAMESPACES[stage].join(", ")}`
        : undefined;
    },
  };
}

export const FLUX_STAGE_CHECKS: Readonly<Record<FluxStageName, readonly StageCheck[]>> = {
  infra: [
    {
      name: "flux-check",
      description: "flux check ends with all checks passed",
      async run(_cluster, { flux }) {
        const output = await flux.check();
        return /all checks passed/.test(output)
          ? undefined
          : `flux check did not pass: ${output.trim().split("\n").at(-1)}`;
      },
    },
    {
      name: "nodes-ready",
      description: "every node of the cluster file is Ready",
      async run(cluster, { kubectl }) {
        const nodes = await kubectl.nodes();
        const missing = resolveNodes(cluster).filter(
          (node) => !nodes.some((known) => known.name === node.name),
        );
        const notReady = nodes.filter((node) => node.ready !== "True").map((node) => node.name);
        if (missing.length > 0) {
          return `nodes not registered: ${listed(missing.map((node) => node.name))}`;
        }
        return notReady.length > 0 ? `nodes not Ready: ${listed(notReady)}` : undefined;
      },
    },
    fluxReady("infra"),
    {
      name: "default-storage-class",
      description: "exactly one storage class is the default",
      async run(_cluster, { kubectl }) {
        const rows = parseKubectlTable(await kubectl.run(["get", "storageclass"]));
        const defaults = rows.filter((row) => (row["NAME"] ?? "").endsWith("(default)"));
        return defaults.length === 1
          ? undefined
          : `${defaults.length} default storage classes (${listed(defaults.map((row) => row["NAME"] ?? "")) || "none"}); exactly one must be the default`;
      },
    },
  ],
  apps: [fluxReady("apps")],
  ingress: [
    fluxReady("ingress"),
    {
      name: "tunnel-connected",
      description: "the Cloudflare tunnel rolled out and registered its connections",
      async run(cluster, { kubectl }) {
        if (cluster.ingress?.mode !== "cloudflare-tunnel") {
          return undefined;
        }
        // The log first: a tunnel with a bad credential never becomes available, so `rollout
        // status` would fail with only "timed out waiting for the condition" and cloudflared's own
        // reason ("Invalid tunnel secret") would never reach the stage's log or the case file.
        const logs = await tunnelLog(kubectl);
        // cloudflared says `Registered tunnel connection` only when a connection registers
        // (cloudflare/cloudflared@2026.8.2 connection/observer.go:66), so a tunnel that has run
        // for long has none in its tail. The rollout being Ready stands for it then (the chart's
        // readiness probe is /ready, 200 only with an active connection: metrics/readiness.go:54-60);
        // only errors without any registration fail the check.
        const errorLine = lastErrorLine(logs);
        if (errorLine !== undefined && !/Registered tunnel connection/.test(logs)) {
          return `the tunnel registered no connection: ${errorLine}`;
        }
        await kubectl.run(["-n", "network", "rollout", "status", "deploy/cloudflare-tunnel", "--timeout=2m"]);
        return undefined;
      },
    },
    {
      name: "certificates-ready",
      description: "every certificate is Ready",
      async run(_cluster, { kubectl }) {
        const rows = parseKubectlTable(await kubectl.run(["get", "certificate", "-A"]));
        const bad = rows.filter((row) => row["READY"] !== "True");
        if (rows.length === 0) {
          return "no certificates yet";
        }
        if (bad.length === 0) {
          return undefined;
        }
        // Why the issuer has not signed is on the CertificateRequest, not the Certificate: its wide
        // STATUS column is its Ready condition's message, e.g. `Referenced "ClusterIssuer" not
        // found: …` (cert-manager/cert-manager@a39748ae deploy/crds/crd-certificaterequests.yaml
        // printer columns). It goes into the failure line, so the cause reaches the log and the
        // case file; a request not created yet leaves the Certificate's name alone.
        const requests = parseKubectlTable(
          await kubectl.run(["get", "certificaterequest", "-A", "-o", "wide"]),
        );
        const why = (row: Record<string, string>) => {
          const request = requests.find(
            (candidate) =>
              candidate["NAMESPACE"] === row["NAMESPACE"] &&
              (candidate["NAME"] ?? "").startsWith(`${row["NAME"]}-`),
          );
          const status = request?.["STATUS"] ?? "";
          return status === "" ? "" : ` (${status})`;
        };
        return `certificates not Ready: ${listed(bad.map((row) => `${row["NAMESPACE"]}/${row["NAME"]}${why(row)}`))}`;
      },
    },
    {
      // Every app's Ingress, whatever its namespace: what this stage delivers is their way in. An
      // Ingress without an address is unreachable, and its Kustomization is still Ready (the object
      // applied fine), so only this check sees a class that does not exist.
      name: "ingresses-have-address",
      description: "every Ingress names an IngressClass that exists and has an address",
      async run(_cluster, { kubectl }) {
        const report = await readIngresses(kubectl);
        const problems = report.ingresses
          .map((ingress) => whyNoAddress(ingress, report))
          .filter((problem) => problem !== undefined);
        return problems.length === 0 ? undefined : problems.join("; ");
      },
    },
  ],
  obs: [
    fluxReady("obs"),
    {
      name: "prometheus-targets-up",
      description: 'no Prometheus target is "down"',
      async run(_cluster, { kubectl }) {
        const answer = JSON.parse(await kubectl.raw(PROMETHEUS_TARGETS)) as {
          data?: { activeTargets?: { labels?: { job?: string }; health?: string; lastError?: string }[] };
        };
        const down = (answer.data?.activeTargets ?? []).filter((target) => target.health === "down");
        return down.length === 0
          ? undefined
          : `Prometheus targets down: ${down.map((target) => `${target.labels?.job ?? "?"} (${target.lastError ?? ""})`).join("; ")}`;
      },
    },
  ],
};

/** cloudflared's last `ERR` log line, trimmed, if any. */
function lastErrorLine(logs: string): string | undefined {
  return logs
    .split("\n")
    .filter((line) => /\bERR\b/.test(line))
    .at(-1)
    ?.trim();
}

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  CliExit,
  type CliResult,
  type FlagSpec,
  flag,
  hasFlag,
  onlyFlags,
  type ParsedCli,
  parseCli,
} from "./args.ts";
import { prometheus, tunnelDeployments } from "./cluster-facts.ts";
import { connect, type Env, fluxTree, nodesOf } from "./kube-api.ts";
import { getIngressKinds } from "./kubectl-ingress.ts";
import { listFluxManaged, table } from "./kubectl-tables.ts";
import type { FakeView } from "./world-view.ts";

/** The fake `kubectl` over the lab world: what the stage steps, their checks and diagnostics run. */

const SPEC: FlagSpec = {
  long: Object.fromEntries([
    ...[
      "kubeconfig",
      "context",
      "namespace",
      "output",
      "raw",
      "for",
      "timeout",
      "filename",
      "tail",
      "selector",
      "field-selector",
    ].map((name) => [name, true]),
    ...["all-namespaces", "all", "server-side", "force-conflicts", "watch"].map((name) => [name, false]),
  ]),
  short: { n: "namespace", o: "output", A: "all-namespaces", f: "filename", l: "selector", w: "watch" },
};

const GLOBAL = ["kubeconfig", "context", "namespace"];

export function kubectl(
  argv: readonly string[],
  env: Env,
  read: <T>(body: (view: FakeView) => T) => T,
): CliResult {
  const parsed = parseCli(argv, SPEC);
  const [verb] = parsed.positionals;
  return read((view) => {
    connect(view, parsed, env, "kubectl");
    switch (verb) {
      case "get":
        onlyFlags(parsed, [
          ...GLOBAL,
          "raw",
          "output",
          "all-namespaces",
          "selector",
          "field-selector",
          "watch",
        ]);
        return get(view, parsed);
      case "wait":
        onlyFlags(parsed, [...GLOBAL, "all", "for", "timeout"]);
        return wait(view, parsed);
      case "apply":
        onlyFlags(parsed, [...GLOBAL, "server-side", "force-conflicts", "filename"]);
        return apply(view, parsed);
      case "rollout":
        onlyFlags(parsed, [...GLOBAL, "timeout", "watch"]);
        return rolloutStatus(view, parsed);
      case "logs":
        onlyFlags(parsed, [...GLOBAL, "tail"]);
        return logs(view, parsed);
      default:
        throw new CliExit(1, `error: unknown command "${verb ?? ""}" for "kubectl"\n`);
    }
  });
}

function get(view: FakeView, parsed: ParsedCli): CliResult {
  const raw = flag(parsed, "raw");
  if (raw !== undefined) {
    return getRaw(view, raw);
  }
  const kind = (parsed.positionals[1] ?? "").toLowerCase();
  if (kind === "nodes" || kind === "node" || kind === "no") {
    const nodes = nodesOf(view);
    if (flag(parsed, "output") === "json") {
      const items = nodes.map((node) => ({
        metadata: { name: node.name },
        status: { conditions: [{ type: "Ready", status: node.ready ? "True" : "False" }] },
      }));
      return `${JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 4)}\n`;
    }
    if (flag(parsed, "output") === "name") {
      return nodes.map((node) => `node/${node.name}\n`).join("");
    }
    return table(
      ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
      nodes.map((node) => [node.name, node.ready ? "Ready" : "NotReady", node.role, "5m", node.version]),
    );
  }
  const ingressKinds = getIngressKinds(view, parsed, kind);
  if (ingressKinds !== undefined) {
    return ingressKinds;
  }
  const listed = listFluxManaged(view, kind, flag(parsed, "output") === "wide");
  if (listed !== undefined) {
    return listed;
  }
  throw new CliExit(1, `error: the server doesn't have a resource type "${kind}"\n`);
}

function getRaw(view: FakeView, path: string): string {
  if (path === "/readyz" || path === "/livez" || path === "/healthz") {
    return "ok";
  }
  const proxy = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/:]+):?(\d*)\/proxy\/api\/v1\/targets/.exec(
    path,
  );
  const served = prometheus(fluxTree(view));
  const port = proxy ? served?.services[proxy[2] ?? ""] : undefined;
  if (proxy && served && proxy[1] === served.namespace && port !== undefined) {
    if (proxy[3] !== "" && Number(proxy[3]) !== port) {
      // A port the Service does not have (kubernetes/kubernetes pkg/registry/core/service/storage/
      // storage.go ResourceLocation: `no service port %d found for service %q`, ServiceUnavailable).
      throw new CliExit(
        1,
        `Error from server (ServiceUnavailable): no service port ${proxy[3]} found for service "${proxy[2]}"\n`,
      );
    }
    const activeTargets = served.jobs.map((job) => {
      const down = view.faults.prometheusTargetsDown.includes(job);
      return {
        labels: { job },
        scrapeUrl: `http://192.168.1.21:10257/metrics`,
        health: down ? "down" : "up",
        lastError: down
          ? `Get "http://192.168.1.21:10257/metrics": dial tcp 192.168.1.21:10257: connect: connection refused`
          : "",
      };
    });
    return JSON.stringify({ status: "success", data: { activeTargets, droppedTargets: [] } });
  }
  if (proxy) {
    throw new CliExit(1, `Error from server (NotFound): services "${proxy[2]}" not found\n`);
  }
  throw new CliExit(1, "Error from server (NotFound): the server could not find the requested resource\n");
}

function wait(view: FakeView, parsed: ParsedCli): string {
  const condition = flag(parsed, "for") ?? "";
  const wanted = /^condition=Ready(?:=(True|False))?$/.exec(condition);
  if ((parsed.positionals[1] ?? "") !== "nodes" || !hasFlag(parsed, "all") || !wanted) {
    throw new CliExit(
      1,
      `error: the fake kubectl only waits for "nodes --all --for=condition=Ready[=True|False]"\n`,
    );
  }
  const want = (wanted[1] ?? "True") === "True";
  const nodes = nodesOf(view);
  if (nodes.length === 0) {
    throw new CliExit(1, "error: no matching resources found\n");
  }
  const late = nodes.find((node) => node.ready !== want);
  if (late) {
    throw new CliExit(1, `error: timed out waiting for the condition on nodes/${late.name}\n`);
  }
  return nodes.map((node) => `node/${node.name} condition met\n`).join("");
}

const GROUPS: Record<string, string> = {
  DaemonSet: "daemonset.apps",
  Deployment: "deployment.apps",
  CustomResourceDefinition: "customresourcedefinition.apiextensions.k8s.io",
};

function apply(view: FakeView, parsed: ParsedCli): string {
  if (!hasFlag(parsed, "server-side")) {
    throw new CliExit(1, "error: the fake kubectl applies with --server-side only, as the stage does\n");
  }
  const path = flag(parsed, "filename") ?? "";
  if (!existsSync(path)) {
    throw new CliExit(1, `error: the path "${path}" does not exist\n`);
  }
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => join(path, name))
    : [path];
  const lines: string[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
      const object = document.toJS() as {
        kind?: string;
        metadata?: { name?: string; namespace?: string };
      } | null;
      if (!object?.kind || !object.metadata?.name) {
        continue;
      }
      const namespace =
        object.metadata.namespace ??
        (object.kind === "Namespace" ? "" : (flag(parsed, "namespace") ?? "default"));
      view.kubernetes.objects[`${object.kind}/${namespace}/${object.metadata.name}`] = {
        kind: object.kind,
        namespace,
        name: object.metadata.name,
      };
      lines.push(
        `${GROUPS[object.kind] ?? object.kind.toLowerCase()}/${object.metadata.name} serverside-applied`,
      );
    }
  }
  view.store();
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function tunnelTarget(view: FakeView, parsed: ParsedCli, positional: number) {
  const target = parsed.positionals[positional] ?? "";
  const namespace = flag(parsed, "namespace") ?? "default";
  const name = target.replace(/^(deploy|deployment)\//, "");
  const tunnel = tunnelDeployments(fluxTree(view)).find(
    (candidate) => candidate.namespace === namespace && candidate.deployment === name,
  );
  if (!tunnel) {
    throw new CliExit(1, `Error from server (NotFound): deployments.apps "${name}" not found\n`);
  }
  return {
    tunnel,
    ready: view.faults.tunnelError === null,
  };
}

function rolloutStatus(view: FakeView, parsed: ParsedCli): string {
  if (parsed.positionals[1] !== "status") {
    throw new CliExit(1, `error: unknown command "${parsed.positionals[1] ?? ""}" for "kubectl rollout"\n`);
  }
  const { tunnel, ready } = tunnelTarget(view, parsed, 2);
  if (!ready) {
    throw new CliExit(
      1,
      `Waiting for deployment "${tunnel.deployment}" rollout to finish: 0 of 2 updated replicas are available...\nerror: timed out waiting for the condition\n`,
    );
  }
  return `deployment "${tunnel.deployment}" successfully rolled out\n`;
}

/**
 * cloudflared's log: `Registered tunnel connection` is logged once per connection as it registers
 * (cloudflare/cloudflared@2026.8.2 connection/observer.go:66), i.e. at startup; a tunnel that has
 * run for long shows other lines in its tail.
 */
function logs(view: FakeView, parsed: ParsedCli): string {
  tunnelTarget(view, parsed, 1);
  const stamp = "2026-01-12T09:14:03Z";
  if (view.faults.tunnelLongRunning && view.faults.tunnelError === null) {
    return `2026-01-19T22:40:11Z INF Updated to new configuration config="{"ingress":[{"service":"http_status:404"}]}" version=3\n`;
  }
  if (view.faults.tunnelError !== null) {
    return `${stamp} INF Starting tunnel tunnelID=5f2d0e1c-8a4b-4e63-9d0c-1b2a3c4d5e6f\n${stamp} ERR ${view.faults.tunnelError}\n`;
  }
  return [0, 1, 2, 3]
    .map(
      (index) =>
        `${stamp} INF Registered tunnel connection connIndex=${index} connection=2b9c6a1e-0d4f-4c8e-9b7a-5e6f7a8b9c0${index} event=0 ip=198.41.200.${13 + index} location=ams0${1 + (index % 2)} protocol=quic`,
    )
    .join("\n")
    .concat("\n");
}

import { CliExit, type CliResult, flag, hasFlag, type ParsedCli } from "./args.ts";
import { ingresses } from "./cluster-facts.ts";
import { fluxTree } from "./kube-api.ts";
import { table } from "./kubectl-tables.ts";
import type { Manifest } from "./kustomize-build.ts";
import type { FakeView } from "./world-view.ts";

/**
 * `kubectl get ingress` and `kubectl get ingressclass` over what Flux applied from the synced tree,
 * in kubectl's own formats (kubernetes/kubernetes@51652d1c pkg/printers/internalversion/printers.go:
 * `ingressColumnDefinitions` NAME CLASS HOSTS ADDRESS PORTS AGE with `printIngress`, `formatHosts`,
 * `formatPorts`, `ingressLoadBalancerStatusStringer`; `ingressClassColumnDefinitions` NAME
 * CONTROLLER PARAMETERS AGE with `printIngressClass`). The ADDRESS is status.loadBalancer, which
 * only a controller serving the Ingress's class writes: an Ingress whose class does not exist has
 * none (cluster-facts.ts `ingresses`).
 */

const INGRESS_KINDS = new Set(["ingress", "ingresses", "ing", "ingress.networking.k8s.io"]);
const INGRESS_CLASS_KINDS = new Set(["ingressclass", "ingressclasses", "ingressclass.networking.k8s.io"]);

/** kubectl's answer for an Ingress or IngressClass listing, or undefined for any other kind. */
export function getIngressKinds(view: FakeView, parsed: ParsedCli, kind: string): CliResult | undefined {
  if (INGRESS_KINDS.has(kind)) {
    return listIngresses(view, parsed);
  }
  if (INGRESS_CLASS_KINDS.has(kind)) {
    return listIngressClasses(view, parsed);
  }
  return undefined;
}

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

interface Listing {
  readonly allNamespaces: boolean;
  readonly namespace: string;
  readonly output: string | undefined;
}

function listingOf(parsed: ParsedCli): Listing {
  const output = flag(parsed, "output");
  if (output !== undefined && !["json", "wide", "name"].includes(output)) {
    throw new CliExit(
      1,
      `error: the fake kubectl lists Ingresses and IngressClasses with -o json, -o wide or -o name only, not "${output}"\n`,
    );
  }
  if (parsed.positionals.length > 2) {
    throw new CliExit(
      1,
      "error: the fake kubectl lists Ingresses and IngressClasses, it does not get one by name\n",
    );
  }
  return {
    allNamespaces: hasFlag(parsed, "all-namespaces"),
    namespace: flag(parsed, "namespace") ?? "default",
    output,
  };
}

/**
 * Nothing listed: a table prints nothing on stdout and, on stderr, `No resources found in <ns>
 * namespace.` — even for a cluster-scoped kind such as IngressClass, since no listed object told
 * kubectl otherwise — or `No resources found` with -A; exit 0 (kubernetes/kubectl@v0.32.4
 * pkg/cmd/get/get.go:519, 566-572; kubernetes/kubernetes#80855). `-o json` goes through
 * printGeneric instead (get.go:713-790): an empty `List`, no stderr line.
 */
function printed(listing: Listing, items: object[], rows: () => string, names: string[]): CliResult {
  if (listing.output === "json") {
    return `${JSON.stringify({ apiVersion: "v1", items, kind: "List", metadata: { resourceVersion: "" } }, null, 4)}\n`;
  }
  if (items.length === 0) {
    return {
      stdout: "",
      stderr: listing.allNamespaces
        ? "No resources found\n"
        : `No resources found in ${listing.namespace} namespace.\n`,
    };
  }
  return listing.output === "name" ? names.map((name) => `${name}\n`).join("") : rows();
}

/** printers.go `formatHosts`: the first three rule hosts, `*` when no rule names one. */
function formatHosts(rules: unknown[]): string {
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === 3) {
      more = true;
    }
    const host = String(record(rule)["host"] ?? "");
    if (!more && host !== "") {
      hosts.push(host);
    }
  }
  if (hosts.length === 0) {
    return "*";
  }
  return more ? `${hosts.join(",")} + ${rules.length - 3} more...` : hosts.join(",");
}

/** printers.go `ingressLoadBalancerStatusStringer`: clipped to 16 characters unless wide. */
function formatAddress(address: string, wide: boolean): string {
  return !wide && address.length > 16 ? `${address.slice(0, 13)}...` : address;
}

function listIngresses(view: FakeView, parsed: ParsedCli): CliResult {
  const listing = listingOf(parsed);
  const tree = fluxTree(view);
  const addresses = new Map(
    ingresses(tree).map((fact) => [`${fact.namespace}/${fact.name}`, fact.address] as const),
  );
  const listed = tree.applied
    .filter((object) => object.kind === "Ingress")
    .map((object) => ({ object, namespace: object.metadata.namespace ?? "default" }))
    .filter(({ namespace }) => listing.allNamespaces || namespace === listing.namespace)
    .sort((a, b) =>
      `${a.namespace}/${a.object.metadata.name}`.localeCompare(`${b.namespace}/${b.object.metadata.name}`),
    )
    .map(({ object, namespace }) => ({
      object,
      namespace,
      address: addresses.get(`${namespace}/${object.metadata.name}`) ?? "",
    }));
  const wide = listing.output === "wide";
  return printed(
    listing,
    listed.map(({ object, namespace, address }) => ({
      apiVersion: object.apiVersion,
      kind: "Ingress",
      metadata: { ...object.metadata, namespace },
      spec: object.spec ?? {},
      // No controller, no status: the API server stores an empty loadBalancer.
      status: { loadBalancer: address === "" ? {} : { ingress: [{ ip: address }] } },
    })),
    () =>
      table(
        [
          ...(listing.allNamespaces ? ["NAMESPACE"] : []),
          "NAME",
          "CLASS",
          "HOSTS",
          "ADDRESS",
          "PORTS",
          "AGE",
        ],
        listed.map(({ object, namespace, address }) => {
          const spec = record(object.spec);
          const className = spec["ingressClassName"];
          return [
            ...(listing.allNamespaces ? [namespace] : []),
            object.metadata.name,
            typeof className === "string" ? className : "<none>",
            formatHosts(array(spec["rules"])),
            formatAddress(address, wide),
            array(spec["tls"]).length > 0 ? "80, 443" : "80",
            "3m",
          ];
        }),
      ),
    listed.map(({ object }) => `ingress.networking.k8s.io/${object.metadata.name}`),
  );
}

/** printers.go `printIngressClass`: PARAMETERS is `<Kind>[.<apiGroup>]/<name>`, `<none>` without. */
function parametersOf(object: Manifest): string {
  const parameters = record(record(object.spec)["parameters"]);
  if (typeof parameters["kind"] !== "string") {
    return "<none>";
  }
  const group = typeof parameters["apiGroup"] === "string" ? `.${parameters["apiGroup"]}` : "";
  return `${parameters["kind"]}${group}/${String(parameters["name"] ?? "")}`;
}

function listIngressClasses(view: FakeView, parsed: ParsedCli): CliResult {
  const listing = listingOf(parsed);
  const classes = fluxTree(view)
    .applied.filter((object) => object.kind === "IngressClass")
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return printed(
    listing,
    classes.map((object) => ({
      apiVersion: object.apiVersion,
      kind: "IngressClass",
      metadata: { name: object.metadata.name },
      spec: object.spec ?? {},
    })),
    () =>
      table(
        ["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
        classes.map((object) => [
          object.metadata.name,
          String(record(object.spec)["controller"] ?? ""),
          parametersOf(object),
          "4m",
        ]),
      ),
    classes.map((object) => `ingressclass.networking.k8s.io/${object.metadata.name}`),
  );
}

import { z } from "zod";
import type { toolsOf } from "./stage-context.ts";

/**
 * The cluster's Ingresses with their class and address, and the IngressClasses that exist, read
 * with `kubectl get ingress -A -o json` and `kubectl get ingressclass -o json` (an empty list is
 * `{"items": []}` in JSON, never an error: kubernetes/kubectl@v0.32.4 pkg/cmd/get/get.go:713-790).
 *
 * An Ingress's address is `status.loadBalancer.ingress[].ip|hostname` (kubernetes/api networking/v1
 * types.go IngressStatus, IngressLoadBalancerStatus, IngressLoadBalancerIngress), which only the
 * controller serving its `spec.ingressClassName` writes: an Ingress naming a class that does not
 * exist is admitted by no controller and stays without one (kubernetes.io/docs/concepts/
 * services-networking/ingress/, "Ingress class"). Used by the ingress stage's check and the
 * case file's live facts, so both say the same thing.
 */

const IngressList = z.object({
  items: z.array(
    z.looseObject({
      metadata: z.looseObject({ name: z.string(), namespace: z.string().default("default") }),
      spec: z.looseObject({ ingressClassName: z.string().optional() }).default({}),
      status: z
        .looseObject({
          loadBalancer: z
            .looseObject({
              ingress: z
                .array(z.looseObject({ ip: z.string().optional(), hostname: z.string().optional() }))
                .default([]),
            })
            .default({ ingress: [] }),
        })
        .default({ loadBalancer: { ingress: [] } }),
    }),
  ),
});

const IngressClassList = z.object({
  items: z.array(z.looseObject({ metadata: z.looseObject({ name: z.string() }) })),
});

export interface IngressStatus {
  readonly namespace: string;
  readonly name: string;
  /** `spec.ingressClassName`, undefined when the Ingress names none. */
  readonly className: string | undefined;
  /** The load balancer's IPs and host names; empty until a controller admits the Ingress. */
  readonly addresses: readonly string[];
}

export interface IngressReport {
  readonly ingresses: readonly IngressStatus[];
  /** The names of the IngressClasses that exist, sorted. */
  readonly classes: readonly string[];
}

/** The argv the reads use (pinned against the real kubectl in src/homelab/tools/kubectl-argv.test.ts). */
export const GET_INGRESSES = ["get", "ingress", "-A", "-o", "json"] as const;
export const GET_INGRESS_CLASSES = ["get", "ingressclass", "-o", "json"] as const;

function parsed<T>(schema: z.ZodType<T>, text: string, command: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`kubectl ${command} printed no JSON: ${text.trim().split("\n")[0] ?? ""}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const [issue] = result.error.issues;
    throw new Error(
      `kubectl ${command} printed an unexpected list: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
    );
  }
  return result.data;
}

export async function readIngresses(kubectl: ReturnType<typeof toolsOf>["kubectl"]): Promise<IngressReport> {
  const ingressList = parsed(IngressList, await kubectl.run(GET_INGRESSES), GET_INGRESSES.join(" "));
  const classList = parsed(
    IngressClassList,
    await kubectl.run(GET_INGRESS_CLASSES),
    GET_INGRESS_CLASSES.join(" "),
  );
  return {
    ingresses: ingressList.items.map((item) => ({
      namespace: item.metadata.namespace,
      name: item.metadata.name,
      className: item.spec.ingressClassName,
      addresses: item.status.loadBalancer.ingress
        .map((point) => point.ip ?? point.hostname ?? "")
        .filter((address) => address !== ""),
    })),
    classes: classList.items.map((item) => item.metadata.name).sort(),
  };
}

/** The IngressClasses that exist, as a failure line or a fact shows them. */
export function existingClasses(report: IngressReport): string {
  return report.classes.length === 0
    ? "no IngressClass exists"
    : `IngressClasses that exist: ${report.classes.join(", ")}`;
}

/**
 * Why an Ingress has no address, naming its class and whether that class exists; undefined when
 * it has one.
 */
export function whyNoAddress(ingress: IngressStatus, report: IngressReport): string | undefined {
  if (ingress.addresses.length > 0) {
    return undefined;
  }
  const id = `Ingress ${ingress.namespace}/${ingress.name}`;
  if (ingress.className === undefined) {
    return `${id} has no address: it names no ingressClassName, so no controller admits it (${existingClasses(report)})`;
  }
  if (!report.classes.includes(ingress.className)) {
    return `${id} has no address: its ingressClassName ${ingress.className} names an IngressClass that does not exist (${existingClasses(report)})`;
  }
  return `${id} has no address: no ingress controller has admitted it for its IngressClass ${ingress.className}`;
}

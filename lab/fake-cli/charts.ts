/**
 * The lab's Helm chart catalog: the charts a HelmRelease in the lab may install, each with its
 * versions, a values JSON-schema subset and what an installed release adds to the cluster that a
 * fake reads back (a StorageClass, the tunnel Deployment, Prometheus). Names, versions and value
 * keys are the real charts' (cilium/cilium, coredns/coredns, rancher/local-path-provisioner,
 * cloudflare/cloudflare-tunnel, jetstack/cert-manager, prometheus-community/kube-prometheus-stack,
 * bjw-s/app-template); the schemas are small on purpose.
 *
 * Validation follows Helm 4 (helm/helm pkg/chart/common/util/jsonschema.go ValidateAgainstSchema):
 * every violation is one `- at '<json pointer>': <reason>` line under `<chart>:`, worded as
 * santhosh-tekuri/jsonschema v6 kind/kind.go says it (`got string, want integer`,
 * `minimum: got 0, want 1`, `value must be one of 'a', 'b'`).
 */

export interface ValuesSchema {
  readonly type?: "object" | "integer" | "number" | "string" | "boolean" | "array";
  readonly properties?: Readonly<Record<string, ValuesSchema>>;
  readonly enum?: readonly (string | number | boolean)[];
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface LabChart {
  readonly name: string;
  readonly versions: readonly string[];
  readonly schema: ValuesSchema;
}

const port: ValuesSchema = { type: "integer", minimum: 1, maximum: 65535 };
const enabled: ValuesSchema = { type: "object", properties: { enabled: { type: "boolean" } } };

export const LAB_CHARTS: readonly LabChart[] = [
  {
    name: "cilium",
    versions: ["1.18.4", "1.18.3"],
    schema: {
      type: "object",
      properties: { ipam: { type: "object", properties: { mode: { type: "string" } } } },
    },
  },
  {
    name: "coredns",
    versions: ["1.45.0"],
    schema: { type: "object", properties: { replicaCount: { type: "integer", minimum: 1 } } },
  },
  {
    name: "local-path-provisioner",
    versions: ["0.0.33", "0.0.32"],
    schema: {
      type: "object",
      properties: {
        storageClass: {
          type: "object",
          properties: {
            create: { type: "boolean" },
            defaultClass: { type: "boolean" },
            name: { type: "string" },
            reclaimPolicy: { type: "string", enum: ["Delete", "Retain"] },
          },
        },
      },
    },
  },
  {
    name: "app-template",
    versions: ["4.3.0", "4.2.0"],
    schema: {
      type: "object",
      properties: {
        service: {
          type: "object",
          properties: {
            app: {
              type: "object",
              properties: {
                ports: { type: "object", properties: { http: { type: "object", properties: { port } } } },
              },
            },
          },
        },
      },
    },
  },
  {
    name: "cloudflare-tunnel",
    versions: ["0.3.2"],
    schema: {
      type: "object",
      properties: {
        replicaCount: { type: "integer", minimum: 1 },
        cloudflare: {
          type: "object",
          properties: { tunnelName: { type: "string" }, secretName: { type: "string" } },
        },
      },
    },
  },
  {
    name: "cert-manager",
    versions: ["v1.19.1", "v1.18.2"],
    schema: { type: "object", properties: { crds: enabled, replicaCount: { type: "integer", minimum: 1 } } },
  },
  {
    name: "kube-prometheus-stack",
    versions: ["79.5.0", "78.3.0"],
    schema: {
      type: "object",
      properties: {
        prometheus: { type: "object", properties: { service: { type: "object", properties: { port } } } },
        kubeApiServer: enabled,
        kubelet: enabled,
        nodeExporter: enabled,
        kubeControllerManager: enabled,
        kubeScheduler: enabled,
        kubeEtcd: enabled,
      },
    },
  },
];

/** The chart's own name and version as Helm's `Chart.Name()`/`Metadata.Version` give them. */
export function findChart(name: string, version: string | undefined): LabChart | undefined {
  return LAB_CHARTS.find(
    (chart) => chart.name === name && (version === undefined || chart.versions.includes(version)),
  );
}

/** The newest catalog version matching `version` (exact, `*`/absent = newest), else undefined. */
export function chartVersion(chart: LabChart, version: string | undefined): string | undefined {
  if (version === undefined || version === "" || version === "*") {
    return chart.versions[0];
  }
  return chart.versions.find((candidate) => candidate === version);
}

/** Helm's schema refusal (without the `values don't meet …` head), or undefined when the values pass. */
export function schemaViolations(chart: LabChart, values: unknown): string | undefined {
  const lines: string[] = [];
  check(chart.schema, values, "", lines);
  return lines.length === 0 ? undefined : `${chart.name}:\n${lines.join("\n")}\n`;
}

function check(schema: ValuesSchema, value: unknown, pointer: string, lines: string[]): void {
  if (value === undefined) {
    return;
  }
  const got = jsonType(value);
  if (schema.type !== undefined && !typeMatches(schema.type, got, value)) {
    lines.push(`- at '${pointer}': got ${got}, want ${schema.type}`);
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    const want = schema.enum.map((item) => (typeof item === "string" ? `'${item}'` : String(item)));
    lines.push(
      `- at '${pointer}': value must be ${want.length === 1 ? want[0] : `one of ${want.join(", ")}`}`,
    );
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) {
      lines.push(`- at '${pointer}': minimum: got ${value}, want ${schema.minimum}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      lines.push(`- at '${pointer}': maximum: got ${value}, want ${schema.maximum}`);
    }
  }
  if (schema.properties !== undefined && got === "object") {
    for (const [key, child] of Object.entries(schema.properties)) {
      check(child, (value as Record<string, unknown>)[key], `${pointer}/${key}`, lines);
    }
  }
}

function jsonType(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "array";
  }
  if (typeof value === "number") {
    return Number.isInteger(value) ? "integer" : "number";
  }
  return typeof value;
}

function typeMatches(want: string, got: string, _value: unknown): boolean {
  return want === got || (want === "number" && got === "integer");
}

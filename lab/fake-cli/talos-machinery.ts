import { parseAllDocuments, stringify } from "yaml";

/**
 * What the fake talosctl knows of Talos's config machinery, per Talos minor version: which
 * documents `gen config` emits, which document kinds a version can decode, how multi-document
 * patches merge, and the validation errors the real machinery raises. Every rule cites the real
 * source; the version comes from `--talos-version` (gen config), the client's version in the world
 * (`talosctl validate`) or the ISO the node booted (apply-config).
 */

export type Yaml = Record<string, unknown>;

/** The Talos minor of a tag like `v1.12.4`; unknown or missing means the newest this fake plays. */
export function minorOf(version: string | null | undefined): number {
  const minor = /^v?1\.(\d+)/.exec(version ?? "")?.[1];
  return minor === undefined ? NEWEST_MINOR : Number(minor);
}

/** The newest Talos minor the fake plays (siderolabs/talos main, 1.14 pre-release). */
export const NEWEST_MINOR = 14;

/**
 * The minor from which a document kind is registered in the machinery. Both live in
 * pkg/machinery/config/types/network/{hostname,resolver}.go, absent at v1.11.0 and present at
 * v1.12.0 (siderolabs/talos@v1.12.4 pkg/machinery/config/types/network/hostname.go:26). An older
 * machinery refuses them with `"<kind>" "<apiVersion>": not registered`
 * (siderolabs/talos@v1.11.0 pkg/machinery/config/internal/registry/registry.go:79).
 */
const KIND_SINCE: Readonly<Record<string, number>> = { HostnameConfig: 12, ResolverConfig: 12 };

/**
 * The documents `gen config` appends to the v1alpha1 one for a contract:
 * - ≥ 1.12 (`MultidocNetworkConfigSupported`, contract > 1.11): a `HostnameConfig` with
 *   `auto: stable` (siderolabs/talos@v1.12.4 pkg/machinery/config/generate/init.go:237-241;
 *   @v1.13.9 generate/network.go:39-44; contract.go `MultidocNetworkConfigSupported`).
 * - ≥ 1.14 (`HostDNSMultidocConfig`, contract > 1.13): a `ResolverConfig` carrying hostDNS
 *   (siderolabs/talos@ad8823176 (main) pkg/machinery/config/generate/init.go:252-260,
 *   pkg/machinery/config/contract.go:263-265).
 */
export function generatedExtraDocuments(minor: number): Yaml[] {
  const docs: Yaml[] = [];
  if (minor >= 12) {
    docs.push({ apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "stable" });
  }
  if (minor >= 14) {
    docs.push({
      apiVersion: "v1alpha1",
      kind: "ResolverConfig",
      hostDNS: { enabled: true, forwardKubeDNSToHost: true },
    });
  }
  return docs;
}

export function parseDocuments(text: string): Yaml[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is Yaml => doc !== null && typeof doc === "object" && !Array.isArray(doc));
}

export function serializeDocuments(docs: readonly Yaml[]): string {
  return docs.map((doc) => stringify(doc)).join("---\n");
}

const isV1alpha1 = (doc: Yaml) => doc["kind"] === undefined;
const idOf = (doc: Yaml) =>
  isV1alpha1(doc)
    ? "v1alpha1"
    : `${String(doc["apiVersion"])}/${String(doc["kind"])}/${String(doc["name"] ?? "")}`;

/**
 * A strategic-merge patch of possibly several documents: each patch document merges into the
 * document with the same (apiVersion, kind, name), or is added when there is none
 * (siderolabs/talos@v1.12.4 pkg/machinery/config/configpatcher/strategic.go:29-36). Maps merge,
 * everything else is replaced.
 */
export function mergeDocuments(base: readonly Yaml[], patch: readonly Yaml[]): Yaml[] {
  const out = base.map((doc) => ({ ...doc }));
  for (const doc of patch) {
    const at = out.findIndex((candidate) => idOf(candidate) === idOf(doc));
    if (at === -1) {
      out.push(doc);
    } else {
      out[at] = merge(out[at] ?? {}, doc);
    }
  }
  return out;
}

export function merge(base: Yaml, patch: Yaml): Yaml {
  const out: Yaml = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? merge(current, value) : (value as unknown);
  }
  return out;
}

const isMap = (value: unknown): value is Yaml =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The errors the machinery of `minor` raises for these documents, in its words:
 * - a kind the version does not register (see `KIND_SINCE`);
 * - `HostnameConfig` checks (siderolabs/talos@v1.12.4 pkg/machinery/config/types/network/hostname.go:118-124)
 *   and its conflict with v1alpha1 `machine.network.hostname` (hostname.go:151-158), which the
 *   container cross-checks (pkg/machinery/config/container/container.go:563-573);
 * - `ResolverConfig` against v1alpha1 `machine.network.nameservers`
 *   (siderolabs/talos@ad8823176 (main) pkg/machinery/config/types/network/resolver.go:263-270);
 * - an install with neither disk nor diskSelector.
 */
export function validationErrors(docs: readonly Yaml[], minor: number): string[] {
  const errors: string[] = [];
  for (const doc of docs) {
    const kind = doc["kind"];
    if (typeof kind === "string" && minor < (KIND_SINCE[kind] ?? 0)) {
      errors.push(`"${kind}" "${String(doc["apiVersion"] ?? "")}": not registered`);
    }
  }
  if (errors.length > 0) {
    return errors; // decoding stops before validation
  }
  const v1alpha1 = docs.find(isV1alpha1) ?? {};
  const machine = (v1alpha1["machine"] ?? {}) as {
    network?: { hostname?: string; nameservers?: string[] };
    install?: Yaml;
    features?: { stableHostname?: boolean };
  };
  if (v1alpha1["version"] !== "v1alpha1") {
    errors.push(`unknown version: "${String(v1alpha1["version"] ?? "")}"`);
  }
  const install = machine.install ?? {};
  if (!install["disk"] && !install["diskSelector"]) {
    errors.push("either install disk or diskSelector should be defined");
  }
  for (const doc of docs) {
    if (doc["kind"] === "HostnameConfig") {
      const auto = String(doc["auto"] ?? "off");
      const hostname = String(doc["hostname"] ?? "");
      if (auto === "off" && hostname === "") {
        errors.push("HostnameConfig: either 'auto' or 'hostname' must be set");
      }
      if (auto !== "off" && hostname !== "") {
        errors.push("HostnameConfig: 'auto' and 'hostname' cannot be set at the same time");
      }
      if (machine.network?.hostname) {
        errors.push("static hostname is already set in v1alpha1 config");
      } else if (machine.features?.stableHostname) {
        errors.push("stable hostname is already set in v1alpha1 config");
      }
    }
    if (doc["kind"] === "ResolverConfig" && machine.network?.nameservers !== undefined) {
      errors.push(".machine.network.nameservers is already set in v1alpha1 config");
    }
  }
  return errors;
}

/** `N error(s) occurred:` then one tab-star line each, as hashicorp/go-multierror prints them. */
export function multiError(errors: readonly string[]): string {
  return `${errors.length} error${errors.length === 1 ? "" : "s"} occurred:\n${errors.map((e) => `\t* ${e}\n`).join("")}\n`;
}

/** The static hostname a config sets, from whichever document the version uses. */
export function hostnameOf(docs: readonly Yaml[]): string | undefined {
  const doc = docs.find((candidate) => candidate["kind"] === "HostnameConfig");
  if (doc && typeof doc["hostname"] === "string") {
    return doc["hostname"];
  }
  const v1alpha1 = docs.find(isV1alpha1) as { machine?: { network?: { hostname?: string } } } | undefined;
  return v1alpha1?.machine?.network?.hostname;
}

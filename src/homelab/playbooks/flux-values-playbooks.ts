import {
  allMatches,
  defineTreePlaybook,
  manifestsOf,
  outsideStage,
  removeKey,
  replaceScalar,
  type TreeManifest,
  valueIn,
} from "./flux-tree.ts";
import { firstMatch } from "./types.ts";

/**
 * Playbooks for values in the Flux tree that the chart or the cluster refuses, where the repo
 * alone gives the one right edit: a number written as a string, a number outside the chart
 * schema's range (removed, so the chart's own default applies), local-path-provisioner's
 * StorageClass not marked default when it is the cluster's only one.
 */

/**
 * helm-controller's install/upgrade failure carrying Helm's values-schema refusal:
 * `Helm install failed for release <ns>/<name> with chart <chart>@<version>: values don't meet the
 * specifications of the schema(s) in the following chart(s):` then one `- at '<pointer>': <why>`
 * line per violation (fluxcd/helm-controller@v1.6.3 internal/reconcile/install.go:135-158;
 * helm/helm pkg/chart/common/util/jsonschema.go ValidateAgainstSchema, values.go ToRenderValues;
 * the reasons in santhosh-tekuri/jsonschema v6 kind/kind.go: `got string, want integer`,
 * `maximum: got 90900, want 65535`).
 */
const SCHEMA_REFUSED =
  /Helm (?:install|upgrade) failed for release ([^/\s]+)\/(\S+) with chart ([^@\s]+)@\S+: values don't meet the specifications of the schema/;
const VIOLATION = /- at '([^']*)': ([^\n]+)/g;

interface SchemaMatch {
  readonly namespace: string;
  readonly release: string;
  readonly chart: string;
  readonly violations: { pointer: string; why: string }[];
}

/** RFC 6901: `/a~1b/c` is ["a/b", "c"]. */
const pointerPath = (pointer: string) =>
  pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));

function releaseFor(manifests: readonly TreeManifest[], match: SchemaMatch): TreeManifest | { why: string } {
  const releases = manifests.filter(
    (m) => m.kind === "HelmRelease" && m.apiVersion.startsWith("helm.toolkit.fluxcd.io/"),
  );
  // helm-controller names the Helm release spec.releaseName, else `<targetNamespace>-<name>`
  // when a targetNamespace is set, else metadata.name (api/v2 helmrelease_types.go GetReleaseName).
  const releaseName = (m: TreeManifest) => {
    const explicit = valueIn(m.body, ["spec", "releaseName"]);
    const target = valueIn(m.body, ["spec", "targetNamespace"]);
    return typeof explicit === "string"
      ? explicit
      : typeof target === "string"
        ? `${target}-${m.name}`
        : m.name;
  };
  const named = releases.filter((m) => releaseName(m) === match.release || m.name === match.release);
  const here = named.filter(
    (m) => m.namespace === match.namespace || m.file.includes(`/${match.namespace}/`),
  );
  const found = here.length > 0 ? here : named;
  const [release, ...others] = found;
  if (release === undefined) {
    return { why: `no HelmRelease in the repo makes release ${match.namespace}/${match.release}` };
  }
  return others.length === 0
    ? release
    : {
        why: `several HelmReleases make release ${match.namespace}/${match.release} (${found.map((m) => m.file).join(", ")})`,
      };
}

type ValueFix = {
  apply(text: string, index: number, path: readonly string[]): string | undefined;
  note: string;
};

/** The one right edit for a refused value, when there is one. */
function valueFix(why: string, value: unknown): ValueFix | undefined {
  if (
    /^got string, want (integer|number)$/.test(why) &&
    typeof value === "string" &&
    /^-?\d+(\.\d+)?$/.test(value.trim())
  ) {
    const number = Number(value.trim());
    return {
      apply: (text, index, path) => replaceScalar(text, index, path, number),
      note: `"${value}" → ${number}`,
    };
  }
  if (/^(maximum|minimum): got /.test(why) && typeof value === "number") {
    // Keep the first two path elements (spec.values) even when the value was all they held.
    return {
      apply: (text, index, path) => removeKey(text, index, path, 2),
      note: `${value} removed (${why}), so the chart's default applies`,
    };
  }
  return undefined;
}

export const helmValueRefusedPlaybook = defineTreePlaybook<SchemaMatch>({
  id: "helm-value-schema-refused",
  description:
    "a HelmRelease value the chart's schema refuses: a number written as a string becomes the number; a number out of range is removed so the chart's default applies",
  matches(evidence) {
    const head = firstMatch(evidence, SCHEMA_REFUSED);
    const violations = allMatches(evidence, VIOLATION).map((found) => ({
      pointer: found[1] ?? "",
      why: (found[2] ?? "").trim(),
    }));
    return head && violations.length > 0
      ? {
          namespace: head[1] ?? "",
          release: head[2] ?? "",
          chart: head[3] ?? "",
          violations: [...new Map(violations.map((v) => [`${v.pointer} ${v.why}`, v])).values()],
        }
      : undefined;
  },
  change(tree, match) {
    const release = releaseFor(manifestsOf(tree), match);
    if ("why" in release) {
      return { kind: "no_change", reason: release.why };
    }
    const refused = outsideStage(tree, release.file);
    if (refused !== undefined) {
      return { kind: "no_change", reason: refused };
    }
    let text = tree.files.get(release.file) ?? "";
    const done: string[] = [];
    const left: string[] = [];
    for (const { pointer, why } of match.violations) {
      const path = ["spec", "values", ...pointerPath(pointer)];
      const value = valueIn(release.body, path);
      const shown = `values${pointer.replaceAll("/", ".")}`;
      const fix = valueFix(why, value);
      const edited = fix?.apply(text, release.index, path);
      if (fix === undefined || edited === undefined) {
        left.push(
          value === undefined
            ? `${shown} is not in the HelmRelease's spec.values (valuesFrom?)`
            : `${shown}: ${why}`,
        );
        continue;
      }
      done.push(`${shown} ${fix.note}`);
      text = edited;
    }
    if (done.length === 0) {
      return {
        kind: "no_change",
        reason: `HelmRelease ${release.name}: no value has one right fix: ${left.join("; ")}`,
      };
    }
    return {
      kind: "changed",
      path: release.file,
      text,
      summary: `HelmRelease ${release.name} (chart ${match.chart}): ${done.join("; ")}${left.length > 0 ? `; left for a human: ${left.join("; ")}` : ""}`,
    };
  },
});

/**
 * The infra stage's check (src/homelab/stages/flux-checks.ts default-storage-class), which reads
 * `kubectl get storageclass`, where the default class's NAME ends in ` (default)`.
 */
const NO_DEFAULT_STORAGE_CLASS = /0 default storage classes \(none\); exactly one must be the default/;

/** local-path-provisioner's chart keys (rancher/local-path-provisioner deploy/chart/local-path-provisioner values.yaml: `storageClass.create`, `.defaultClass`, default false). */
const isLocalPathRelease = (m: TreeManifest) =>
  m.kind === "HelmRelease" &&
  m.apiVersion.startsWith("helm.toolkit.fluxcd.io/") &&
  [valueIn(m.body, ["spec", "chart", "spec", "chart"]), valueIn(m.body, ["spec", "chartRef", "name"])].some(
    (name) => typeof name === "string" && name.includes("local-path-provisioner"),
  );

/** The annotation that marks the default class (kubernetes.io/docs/tasks/administer-cluster/change-default-storage-class/). */
const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

export const noDefaultStorageClassPlaybook = defineTreePlaybook<true>({
  id: "storage-class-no-default",
  description:
    "no StorageClass is the default and the tree makes exactly one: mark it default (local-path-provisioner's storageClass.defaultClass, or the is-default-class annotation)",
  matches: (evidence) => (firstMatch(evidence, NO_DEFAULT_STORAGE_CLASS) ? true : undefined),
  change(tree) {
    const manifests = manifestsOf(tree);
    const classes = manifests.filter(
      (m) => m.kind === "StorageClass" && m.apiVersion.startsWith("storage.k8s.io/"),
    );
    const charted = manifests
      .filter(isLocalPathRelease)
      .filter((m) => valueIn(m.body, ["spec", "values", "storageClass", "create"]) !== false);
    const sources = [...classes, ...charted];
    const [only, ...others] = sources;
    if (only === undefined || others.length > 0) {
      return {
        kind: "no_change",
        reason: `the tree makes ${sources.length === 0 ? "no StorageClass" : `${sources.length} StorageClasses (${sources.map((m) => `${m.kind} ${m.name} in ${m.file}`).join(", ")})`}; a human must choose the default`,
      };
    }
    const refused = outsideStage(tree, only.file);
    if (refused !== undefined) {
      return { kind: "no_change", reason: refused };
    }
    const text = tree.files.get(only.file) ?? "";
    const [path, value] =
      only.kind === "StorageClass"
        ? [["metadata", "annotations", DEFAULT_CLASS_ANNOTATION], "true"]
        : [["spec", "values", "storageClass", "defaultClass"], true];
    const current = valueIn(only.body, path);
    const edited = current === undefined ? undefined : replaceScalar(text, only.index, path, value);
    if (edited === undefined) {
      return {
        kind: "no_change",
        reason: `${only.kind} ${only.name} in ${only.file} has no ${path.join(".")} to switch on; add it (${JSON.stringify(value)})`,
      };
    }
    return {
      kind: "changed",
      path: only.file,
      text: edited,
      summary: `${only.kind} ${only.name}: ${path.at(-1)} ${String(current)} → ${String(value)}, as it makes the cluster's only StorageClass and none is the default`,
    };
  },
});

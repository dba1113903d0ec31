import { posix } from "node:path";
import { closestName } from "./flux-names.ts";
import {
  allMatches,
  artifactFolder,
  defineTreePlaybook,
  type FluxTree,
  isFluxKustomization,
  manifestsOf,
  outsideStage,
  replaceScalar,
  type TreeManifest,
  valueIn,
} from "./flux-tree.ts";
import { firstMatch, type PlaybookOutcome } from "./types.ts";

/**
 * Playbooks for names in the Flux tree that point at nothing: a Kustomization's folder, a
 * namespace, a certificate's issuer. Each changes a name only to the one existing name that is
 * plainly meant (flux-names.ts `isCloseName`), and only when exactly one is.
 */

interface Place {
  readonly manifest: TreeManifest;
  readonly path: readonly string[];
}

/** Sets `value` at every place (all in one file the stage may change), or says why not. */
function editPlaces(
  tree: FluxTree,
  places: readonly Place[],
  value: string,
): PlaybookOutcome | { why: string } {
  const files = [...new Set(places.map((place) => place.manifest.file))];
  const [file, ...more] = files;
  if (file === undefined || more.length > 0) {
    return {
      why: `it is written in ${files.length === 0 ? "no file" : `several files (${files.join(", ")})`}`,
    };
  }
  const refused = outsideStage(tree, file);
  if (refused !== undefined) {
    return { why: refused };
  }
  let text = tree.files.get(file) ?? "";
  for (const place of places) {
    const edited = replaceScalar(text, place.manifest.index, place.path, value);
    if (edited === undefined) {
      const current = String(valueIn(place.manifest.body, place.path));
      return { why: `${place.path.join(".")} (${current}) in ${file} is not a plain value to replace` };
    }
    text = edited;
  }
  return { kind: "changed", path: file, text, summary: "" };
}

/**
 * kustomize-controller's words for a `spec.path` the artifact lacks: `kustomization path not found:
 * stat /tmp/kustomization-<random>/<path>: no such file or directory`
 * (fluxcd/kustomize-controller@v1.9.4 internal/controller/kustomization_controller.go:370-381; the
 * artifact is unpacked into `MkdirTempAbs("", "kustomization-")`, :338).
 */
const PATH_NOT_FOUND = /kustomization path not found: stat (\S+): no such file or directory/;

export const kustomizationPathMissingPlaybook = defineTreePlaybook<{ missing: string }>({
  id: "flux-kustomization-path-missing",
  description:
    "a Flux Kustomization's spec.path names a folder the repo lacks: use the one existing folder whose names are plainly the ones meant",
  matches(evidence) {
    const found = firstMatch(evidence, PATH_NOT_FOUND);
    const inArtifact = found?.[1]?.match(/\/kustomization-[^/]+(?:\/(.*))?$/);
    return inArtifact ? { missing: artifactFolder(inArtifact[1] ?? "") } : undefined;
  },
  change(tree, { missing }) {
    const kustomizations = manifestsOf(tree).filter(isFluxKustomization);
    const pathOf = (ks: TreeManifest) => String(valueIn(ks.body, ["spec", "path"]) ?? "./");
    const pointing = kustomizations.filter((ks) => artifactFolder(pathOf(ks)) === missing);
    if (pointing.length === 0) {
      return { kind: "no_change", reason: `no Flux Kustomization in the repo has spec.path ./${missing}` };
    }
    if (tree.folders.has(missing)) {
      return {
        kind: "no_change",
        reason: `./${missing} exists in the repo now; push it and reconcile again`,
      };
    }
    const target = nearestFolder(tree, missing);
    if ("why" in target) {
      return { kind: "no_change", reason: `./${missing} does not exist and ${target.why}` };
    }
    const taken = kustomizations.find(
      (ks) => !pointing.includes(ks) && artifactFolder(pathOf(ks)) === target.folder,
    );
    if (taken !== undefined) {
      return {
        kind: "no_change",
        reason: `./${target.folder} is already Kustomization ${taken.name}'s path; a human must say which folder ./${missing} meant`,
      };
    }
    const first = pathOf(pointing[0] as TreeManifest);
    const written = `${first.startsWith("./") ? "./" : ""}${target.folder}${first.endsWith("/") ? "/" : ""}`;
    const edit = editPlaces(
      tree,
      pointing.map((manifest) => ({ manifest, path: ["spec", "path"] })),
      written,
    );
    return "why" in edit
      ? { kind: "no_change", reason: `spec.path ./${missing}: ${edit.why}` }
      : {
          ...edit,
          summary: `Kustomization ${pointing.map((ks) => ks.name).join(", ")}: spec.path ./${missing} does not exist; use ${written}, the existing folder it plainly means`,
        };
  },
});

/** Walks `missing` down from the repo root, replacing each absent folder name by its one close sibling. */
function nearestFolder(tree: FluxTree, missing: string): { folder: string } | { why: string } {
  let current = "";
  for (const name of missing.split("/")) {
    const exact = current === "" ? name : `${current}/${name}`;
    if (tree.folders.has(exact)) {
      current = exact;
      continue;
    }
    const siblings = [...tree.folders]
      .filter((folder) => posix.dirname(folder) === (current === "" ? "." : current))
      .map((folder) => posix.basename(folder));
    const chosen = closestName(name, siblings);
    if ("why" in chosen) {
      return { why: `in ./${current}, ${chosen.why}` };
    }
    current = current === "" ? chosen.name : `${current}/${chosen.name}`;
  }
  return { folder: current };
}

/**
 * The API server's answer for an object in a namespace that does not exist, as Flux's server-side
 * apply reports it: `<Kind>/<ns>/<name> not found: namespaces "<ns>" not found` (fluxcd/pkg@ssa/v0.76.1
 * ssa/errors/errors.go:49-73; the `namespaces "x" not found` part is Kubernetes' NotFound status,
 * k8s.io/apimachinery pkg/api/errors NewNotFound).
 */
const NAMESPACE_NOT_FOUND = /namespaces "([^"]+)" not found/;

/**
 * Namespaces a cluster has without the tree: Kubernetes' initial four
 * (kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces) and
 * flux-system, which `flux bootstrap` creates.
 */
const BUILT_IN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "flux-system"];

/** Where a manifest names the namespace its objects go to. */
function namespacePlaces(manifest: TreeManifest, namespace: string): Place[] {
  const candidates: string[][] = [["metadata", "namespace"]];
  if (manifest.apiVersion.startsWith("kustomize.config.k8s.io/")) {
    candidates.push(["namespace"]);
  }
  if (isFluxKustomization(manifest) || manifest.kind === "HelmRelease") {
    candidates.push(["spec", "targetNamespace"], ["spec", "storageNamespace"]);
  }
  return candidates
    .filter((path) => valueIn(manifest.body, path) === namespace)
    .map((path) => ({ manifest, path }));
}

export const namespaceMissingPlaybook = defineTreePlaybook<{ namespace: string }>({
  id: "flux-namespace-missing",
  description:
    "a manifest sends objects to a namespace the tree does not define: use the one defined namespace plainly meant",
  matches(evidence) {
    const found = firstMatch(evidence, NAMESPACE_NOT_FOUND);
    return found?.[1] ? { namespace: found[1] } : undefined;
  },
  change(tree, { namespace }) {
    const manifests = manifestsOf(tree);
    const defined = [
      ...BUILT_IN_NAMESPACES,
      ...manifests.filter((m) => m.kind === "Namespace" && m.apiVersion === "v1").map((m) => m.name),
    ];
    if (defined.includes(namespace)) {
      return {
        kind: "no_change",
        reason: `the tree defines namespace ${namespace}; it may not be applied yet (check the Kustomization that holds it)`,
      };
    }
    const places = manifests.flatMap((manifest) => namespacePlaces(manifest, namespace));
    if (places.length === 0) {
      return { kind: "no_change", reason: `no manifest in the repo names namespace ${namespace}` };
    }
    const chosen = closestName(namespace, defined);
    if ("why" in chosen) {
      return {
        kind: "no_change",
        reason: `namespace ${namespace} is not defined and ${chosen.why}; add a Namespace or fix the name`,
      };
    }
    const edit = editPlaces(tree, places, chosen.name);
    return "why" in edit
      ? { kind: "no_change", reason: `namespace ${namespace}: ${edit.why}` }
      : {
          ...edit,
          summary: `${places.map(({ manifest, path }) => [manifest.kind, manifest.name, path.join(".")].filter(Boolean).join(" ")).join(", ")}: namespace ${namespace} is not defined; use ${chosen.name}`,
        };
  },
});

/**
 * cert-manager's CertificateRequest condition when its issuer does not exist: `Referenced
 * "ClusterIssuer" not found: clusterissuer.cert-manager.io "<name>" not found`
 * (cert-manager/cert-manager pkg/controller/certificaterequests/sync.go, `IssuerNotFound`; the
 * message is `<reason>: <error>`, util/reporter.go Pending). The ingress stage itself says
 * `certificates not Ready: <ns>/<name>, …` (src/homelab/stages/flux-checks.ts certificates-ready);
 * with only that line the playbook acts when the repo shows the issuer missing.
 */
const ISSUER_NOT_FOUND = /Referenced "(ClusterIssuer|Issuer)" not found: \S+ "([^"]+)" not found/g;
const CERTIFICATES_NOT_READY = /certificates not Ready: ([^\n]+)/;

interface IssuerMatch {
  readonly issuers: { kind: string; name: string }[];
  readonly certificates: { namespace: string; name: string }[];
}

export const issuerMissingPlaybook = defineTreePlaybook<IssuerMatch>({
  id: "cert-manager-issuer-missing",
  description:
    "a Certificate's issuerRef names an issuer the tree does not define: use the one defined issuer of that kind plainly meant",
  matches(evidence) {
    const issuers = allMatches(evidence, ISSUER_NOT_FOUND).map((found) => ({
      kind: found[1] ?? "",
      name: found[2] ?? "",
    }));
    const listed = firstMatch(evidence, CERTIFICATES_NOT_READY)?.[1] ?? "";
    const certificates = listed
      .split(/, | and /)
      .map((item) => item.trim().match(/^([^/\s]+)\/(\S+)$/))
      .filter((item): item is RegExpMatchArray => item !== null)
      .map((item) => ({ namespace: item[1] ?? "", name: item[2] ?? "" }));
    return issuers.length > 0 || certificates.length > 0 ? { issuers, certificates } : undefined;
  },
  change(tree, match) {
    const manifests = manifestsOf(tree);
    const certificates = manifests.filter(
      (m) => m.kind === "Certificate" && m.apiVersion.startsWith("cert-manager.io/"),
    );
    const named = (cert: TreeManifest) =>
      match.certificates.some(
        (wanted) =>
          wanted.name === cert.name &&
          (cert.namespace === wanted.namespace || cert.file.includes(`/${wanted.namespace}/`)),
      );
    const refOf = (cert: TreeManifest) => ({
      kind: String(valueIn(cert.body, ["spec", "issuerRef", "kind"]) ?? "Issuer"),
      name: String(valueIn(cert.body, ["spec", "issuerRef", "name"]) ?? ""),
    });
    const concerned = certificates.filter(
      (cert) =>
        named(cert) ||
        match.issuers.some((issuer) => issuer.kind === refOf(cert).kind && issuer.name === refOf(cert).name),
    );
    if (concerned.length === 0) {
      return { kind: "no_change", reason: "no Certificate in the repo matches the failure" };
    }
    const reasons: string[] = [];
    for (const cert of concerned) {
      const ref = refOf(cert);
      // An Issuer serves only its own namespace (a ClusterIssuer every one): compare the
      // namespaces as written, as kustomize sets the same one on files of one folder.
      const defined = manifests
        .filter((m) => m.kind === ref.kind && m.apiVersion.startsWith("cert-manager.io/"))
        .filter((m) => ref.kind === "ClusterIssuer" || m.namespace === cert.namespace)
        .map((m) => m.name);
      if (defined.includes(ref.name)) {
        reasons.push(
          `Certificate ${cert.name}: the tree defines ${ref.kind} ${ref.name}, so the issuer is not what is missing`,
        );
        continue;
      }
      const chosen = closestName(ref.name, defined);
      if ("why" in chosen) {
        reasons.push(
          `Certificate ${cert.name}: ${ref.kind} ${ref.name} is not defined in the repo and ${chosen.why}`,
        );
        continue;
      }
      const edit = editPlaces(tree, [{ manifest: cert, path: ["spec", "issuerRef", "name"] }], chosen.name);
      if ("why" in edit) {
        reasons.push(`Certificate ${cert.name}: ${edit.why}`);
        continue;
      }
      return {
        ...edit,
        summary: `Certificate ${cert.name}: issuerRef ${ref.kind} ${ref.name} is not defined; use ${chosen.name}, the ${ref.kind} the tree defines`,
      };
    }
    return { kind: "no_change", reason: reasons.join("; ") };
  },
});

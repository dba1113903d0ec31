import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { findFluxSource } from "../../src/adapters/gitops/source.ts";
import { STAGE_NAMESPACES } from "../../src/homelab/stages/flux-checks.ts";
import { LAB_FLUX_PATH, LAB_FLUX_TREE, labFluxTree } from "./flux-tree.ts";
import { writeRepoFiles } from "./publish.ts";

const URL = "http://127.0.0.1:9418/lab/homelab.git";
const tree = labFluxTree(URL);
const documents = (path: string) =>
  parseAllDocuments(tree[path] ?? "")
    .map((document) => document.toJS() as Record<string, unknown> | null)
    .filter((document): document is Record<string, unknown> => document !== null);
const spec = (document: Record<string, unknown>) => (document["spec"] ?? {}) as Record<string, unknown>;
const everyDocument = Object.keys(tree).flatMap((path) =>
  documents(path).map((document) => ({ path, document })),
);
const ofKind = (kind: string) => everyDocument.filter(({ document }) => document["kind"] === kind);

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the lab's Flux tree", () => {
  it("is valid YAML in every file", () => {
    for (const [path, text] of Object.entries(tree)) {
      const errors = parseAllDocuments(text).flatMap((document) => document.errors);
      expect(errors, path).toEqual([]);
    }
  });

  it("names the lab remote as Flux's source, so GitOps delivery finds where to push", async () => {
    dir = mkdtempSync(join(tmpdir(), "flux-tree-"));
    await writeRepoFiles(dir, Object.entries(tree));
    await expect(findFluxSource(dir)).resolves.toEqual({
      name: "flux-system",
      namespace: "flux-system",
      url: URL,
      branch: "main",
      path: LAB_FLUX_PATH,
      file: `${LAB_FLUX_PATH}/flux-system/gotk-sync.yaml`,
    });
    expect(Object.keys(LAB_FLUX_TREE)).not.toContain(`${LAB_FLUX_PATH}/flux-system/gotk-sync.yaml`);
  });

  it("lists in every kustomization.yaml only files the tree has", () => {
    for (const { path, document } of everyDocument.filter(({ path }) =>
      path.endsWith("/kustomization.yaml"),
    )) {
      const folder = path.slice(0, path.lastIndexOf("/"));
      for (const resource of (document["resources"] ?? []) as string[]) {
        expect(Object.keys(tree), `${path} lists ${resource}`).toContain(
          join(folder, resource).replace(/^\.\//, ""),
        );
      }
    }
  });

  it("points every Flux Kustomization at a folder of the tree", () => {
    const kustomizations = ofKind("Kustomization").filter(({ document }) =>
      String(document["apiVersion"]).startsWith("kustomize.toolkit.fluxcd.io/"),
    );
    expect(kustomizations.length).toBe(11);
    for (const { path, document } of kustomizations) {
      const folder = String(spec(document)["path"]).replace(/^\.\//, "");
      expect(
        Object.keys(tree).some((file) => file.startsWith(`${folder}/`)),
        `${path}: ${folder}`,
      ).toBe(true);
    }
  });

  it("has an app in every namespace a Flux stage waits for, each with its namespace and chart source", () => {
    const namespaces = ofKind("Namespace").map(
      ({ document }) => (document["metadata"] as { name: string }).name,
    );
    for (const namespace of [
      "kube-system",
      "storage",
      "default",
      "network",
      "cert-manager",
      "observability",
    ]) {
      expect(namespaces).toContain(namespace);
    }
    expect(STAGE_NAMESPACES.obs).toContain("observability");
    const repositories = ofKind("HelmRepository").map(({ path, document }) => ({
      folder: path.slice(0, path.lastIndexOf("/")),
      name: (document["metadata"] as { name: string }).name,
    }));
    for (const { path, document } of ofKind("HelmRelease")) {
      const source = (spec(document)["chart"] as { spec: { sourceRef: { name: string } } }).spec.sourceRef;
      const folder = path.slice(0, path.lastIndexOf("/"));
      expect(repositories, path).toContainEqual({ folder, name: source.name });
    }
  });

  it("issues the wildcard certificate from a ClusterIssuer it declares and gives echo's Ingress a class it declares", () => {
    const issuers = ofKind("ClusterIssuer").map(
      ({ document }) => (document["metadata"] as { name: string }).name,
    );
    const [certificate] = ofKind("Certificate");
    expect(issuers).toContain((spec(certificate?.document ?? {})["issuerRef"] as { name: string }).name);
    const classes = ofKind("IngressClass").map(
      ({ document }) => (document["metadata"] as { name: string }).name,
    );
    const [ingress] = ofKind("Ingress");
    expect(classes).toContain(spec(ingress?.document ?? {})["ingressClassName"]);
  });
});

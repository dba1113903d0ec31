import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseFluxGet } from "../../src/homelab/tools/index.ts";
import { updateWorld } from "../world/index.ts";
import { type FluxLab, greenTree, ks, release, repo, startFluxLab } from "./flux-lab.fixture.ts";

/** Ready decided from the manifests at the synced commit, with the controllers' own messages. */

let lab: FluxLab;

beforeAll(async () => {
  lab = await startFluxLab();
});

afterAll(async () => {
  await lab.close();
});

beforeEach(() => {
  // Every test starts from the green tree at a new commit.
  lab.resetToGreen();
});

describe("Ready decided from the manifests", () => {
  it("is Ready everywhere for the green tree", () => {
    lab.resync();
    const notReady = lab
      .run("flux", "get", "ks", "-A")
      .stdout.split("\n")
      .filter((line) => line.includes("\tFalse\t"));
    expect(notReady).toEqual([]);
    expect(lab.row("hr", "echo")).toContain(
      "Helm install succeeded for release default/echo.v1 with chart app-template@4.3.0",
    );
  });

  it("says kustomization path not found for a path the commit lacks", () => {
    lab.push({ "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./kubernetes/apps/default/echo/ap") });
    lab.resync();
    expect(lab.row("ks", "echo")).toContain(
      "kustomization path not found: stat /tmp/kustomization-1043787142/kubernetes/apps/default/echo/ap: no such file or directory",
    );
  });

  it("holds a dependant with kustomize-controller's dependency message", () => {
    lab.push({
      "kubernetes/apps/cert-manager/app/helmrelease.yaml": null,
      "kubernetes/apps/cert-manager/app/x.yaml": "a: [\n",
    });
    lab.resync();
    expect(lab.row("ks", "cert-manager")).toContain(
      "failed to decode Kubernetes YAML from /tmp/kustomization-1043787142/kubernetes/apps/cert-manager/app/x.yaml: MalformedYAMLError: yaml: line",
    );
    expect(lab.row("ks", "cert-manager-issuers")).toContain(
      "dependency 'flux-system/cert-manager' is not ready",
    );
  });

  it("fails the apply of an object whose namespace does not exist", () => {
    lab.push({ "kubernetes/apps/observability/namespace.yaml": null });
    lab.resync();
    expect(lab.row("ks", "cluster-apps")).toContain(
      'HelmRelease/observability/kube-prometheus-stack not found: namespaces "observability" not found',
    );
  });

  it("refuses values the chart's schema refuses, with helm's message", () => {
    lab.push({
      "kubernetes/apps/default/echo/app/helmrelease.yaml": release(
        "default",
        "echo",
        "app-template",
        "4.3.0",
        {
          service: { app: { ports: { http: { port: "http" } } } },
        },
      ),
    });
    lab.resync();
    const echo = parseFluxGet(lab.run("flux", "get", "hr", "-A").stdout).find(
      (object) => object.name === "echo",
    );
    expect(echo?.ready).toBe("False");
    expect(echo?.message).toBe(
      "Helm install failed for release default/echo with chart app-template@4.3.0: values don't meet the specifications of the schema(s) in the following chart(s):\napp-template:\n- at '/service/app/ports/http/port': got string, want integer",
    );
  });

  it("names a missing HelmRepository and a chart version the repository lacks", () => {
    lab.push({
      "kubernetes/apps/default/echo/app/helmrelease.yaml": release(
        "default",
        "echo",
        "app-template",
        "9.9.9",
      ),
      "kubernetes/apps/flux-system/repos.yaml": repo("app-template"),
    });
    lab.resync();
    expect(lab.row("hr", "echo")).toContain(
      "HelmChart 'flux-system/default-echo' is not ready: invalid chart reference: failed to get chart version for remote reference: no 'app-template' chart with version matching '9.9.9' found",
    );
    // No chart yet, so no REVISION: the empty cell must not shift MESSAGE for the stage's parser.
    const certManager = parseFluxGet(lab.run("flux", "get", "hr", "-A").stdout).find(
      (object) => object.name === "cert-manager",
    );
    expect(certManager?.message).toBe(
      `HelmChart 'flux-system/cert-manager-cert-manager' is not ready: failed to get source: helmrepositories.source.toolkit.fluxcd.io "cert-manager" not found`,
    );
  });

  it("leaves a Certificate unissued when its ClusterIssuer does not exist", () => {
    lab.resync();
    expect(lab.run("kubectl", "get", "certificate", "-A").stdout).toMatch(/example-com\s+True/);
    lab.push({
      "kubernetes/apps/cert-manager/issuers/issuers.yaml": greenTree(lab.bare)
        ["kubernetes/apps/cert-manager/issuers/issuers.yaml"]!.replace(
          "name: letsencrypt-production\n  namespace",
          "name: letsencrypt-production\n  namespace",
        )
        .replace("    name: letsencrypt-production\n", "    name: letsencrypt-prod\n"),
    });
    lab.resync();
    expect(lab.run("kubectl", "get", "certificate", "-A").stdout).toMatch(/example-com\s+False/);
    expect(lab.run("kubectl", "get", "certificaterequest", "-A", "-o", "wide").stdout).toContain(
      'Referenced "ClusterIssuer" not found: clusterissuer.cert-manager.io "letsencrypt-prod" not found',
    );
  });

  it("refuses a Certificate until its CRD is served, then applies it", () => {
    lab.push({
      "kubernetes/apps/cert-manager/app/issuers.yaml":
        greenTree(lab.bare)["kubernetes/apps/cert-manager/issuers/issuers.yaml"] ?? "",
      "kubernetes/apps/cert-manager/issuers/issuers.yaml": null,
    });
    lab.resync();
    expect(lab.row("ks", "cert-manager")).toContain(
      'ClusterIssuer/letsencrypt-production dry-run failed: no matches for kind "ClusterIssuer" in version "cert-manager.io/v1"',
    );
    const crds = join(lab.dir, "crds.yaml");
    writeFileSync(
      crds,
      ["clusterissuers", "certificates"]
        .map(
          (plural) =>
            `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.cert-manager.io\n`,
        )
        .join("---\n"),
    );
    expect(lab.run("kubectl", "apply", "--server-side", "-f", crds).code).toBe(0);
    expect(lab.row("ks", "cert-manager")).toContain("\tTrue\tApplied revision");
  });

  it("gives an Ingress no address when its class does not exist", () => {
    lab.resync();
    expect(lab.run("kubectl", "get", "ingress", "-A").stdout).toMatch(
      /echo\s+internal\s+echo.example.com\s+192\.168\.1\.25/,
    );
    lab.push({
      "kubernetes/apps/default/echo/app/ingress.yaml": greenTree(lab.bare)[
        "kubernetes/apps/default/echo/app/ingress.yaml"
      ]!.replace("ingressClassName: internal", "ingressClassName: external"),
    });
    lab.resync();
    expect(lab.run("kubectl", "get", "ingress", "-A").stdout).toMatch(
      /echo\s+external\s+echo.example.com\s+80/,
    );
  });

  it("serves Prometheus targets for the jobs kube-prometheus-stack's values enable", () => {
    lab.resync();
    const targets = JSON.parse(
      lab.run(
        "kubectl",
        "get",
        "--raw",
        "/api/v1/namespaces/observability/services/prometheus-operated:9090/proxy/api/v1/targets",
      ).stdout,
    ) as { data: { activeTargets: { labels: { job: string } }[] } };
    const jobs = targets.data.activeTargets.map((target) => target.labels.job);
    expect(jobs).toContain("apiserver");
    expect(jobs).not.toContain("kube-etcd");
  });

  it("reads a chartRef's OCIRepository: missing, then present with a tag the catalog has", () => {
    const oci = (withRepository: boolean) => ({
      "kubernetes/apps/default/echo/app/helmrelease.yaml": stringify({
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { name: "echo", namespace: "default" },
        spec: { chartRef: { kind: "OCIRepository", name: "echo" } },
      }),
      "kubernetes/apps/default/echo/app/ocirepository.yaml": withRepository
        ? "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: echo\nspec:\n  url: oci://ghcr.io/bjw-s-labs/helm/app-template\n  ref:\n    tag: 4.2.0\n"
        : null,
      "kubernetes/apps/default/echo/app/kustomization.yaml": `resources:\n- helmrelease.yaml\n- ingress.yaml\n${withRepository ? "- ocirepository.yaml\n" : ""}`,
    });
    lab.push(oci(false));
    lab.resync();
    expect(lab.row("hr", "echo")).toContain(
      'could not get Source object: ocirepositories.source.toolkit.fluxcd.io "echo" not found',
    );
    lab.push(oci(true));
    lab.resync();
    expect(lab.row("hr", "echo")).toContain("with chart app-template@4.2.0");
  });

  it("serves the chart's Prometheus service on the port its values give", () => {
    lab.push({
      "kubernetes/apps/observability/kps.yaml": release(
        "observability",
        "kube-prometheus-stack",
        "kube-prometheus-stack",
        "79.5.0",
        { prometheus: { service: { port: 9091 } } },
      ),
    });
    lab.resync();
    const targets = (service: string) =>
      lab.run(
        "kubectl",
        "get",
        "--raw",
        `/api/v1/namespaces/observability/services/${service}/proxy/api/v1/targets`,
      );
    expect(targets("kube-prometheus-stack-prometheus:9091").code).toBe(0);
    expect(targets("kube-prometheus-stack-prometheus:9090")).toMatchObject({
      code: 1,
      stderr:
        'Error from server (ServiceUnavailable): no service port 9090 found for service "kube-prometheus-stack-prometheus"\n',
    });
  });

  it("keeps the world's fluxNotReady switch above what the tree says", () => {
    lab.resync();
    updateWorld(lab.worldFile, (world) => {
      world.faults = {
        ...world.faults,
        fluxNotReady: { "HelmRelease default/echo": "upgrade retries exhausted" },
      };
    });
    try {
      expect(lab.row("hr", "echo")).toContain("\tFalse\tupgrade retries exhausted");
    } finally {
      updateWorld(lab.worldFile, (world) => {
        world.faults = { ...world.faults, fluxNotReady: {} };
      });
    }
  });
});

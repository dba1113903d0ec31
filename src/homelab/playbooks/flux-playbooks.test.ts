import { afterEach, describe, expect, it } from "vitest";
import { isCloseName } from "./flux-names.ts";
import { type FluxRepo, fluxRepo } from "./flux-playbooks.fixture.ts";

/**
 * The error lines are those the lab's Flux printed for each fault of the qualification library
 * (`orchestrator qualify --faults …`), which are kustomize-controller's, the API server's and
 * cert-manager's words (docs/conformance.md, "Lab Flux").
 */
const PATH_MISSING =
  "step apps failed: apps: Kustomizations and HelmReleases Ready: Kustomization default/echo is not Ready: kustomization path not found: stat /tmp/kustomization-1043787142/kubernetes/apps/default/echo-server/app: no such file or directory";
const NAMESPACE_MISSING =
  'step apps failed: apps: Kustomizations and HelmReleases Ready: Kustomization default/echo is not Ready: HelmRelease/defualt/echo not found: namespaces "defualt" not found';
const CERTIFICATE_NOT_READY =
  "step ingress failed: check certificates-ready: certificates not Ready: network/example-com-production";
/** A row of `kubectl get certificaterequest -A -o wide` (the lab's table, lab/fake-cli/kubectl-tables.ts). */
const ISSUER_NOT_FOUND =
  'network     example-com-production-1   True                False   letsencrypt-prod   system:serviceaccount:cert-manager:cert-manager   Referenced "ClusterIssuer" not found: clusterissuer.cert-manager.io "letsencrypt-prod" not found   3m';

const ECHO_KS = "kubernetes/apps/default/echo/ks.yaml";
const CERTIFICATE = "kubernetes/apps/network/certificates/app/certificate.yaml";

let repo: FluxRepo | undefined;
afterEach(async () => {
  await repo?.close();
  repo = undefined;
});

describe("the Flux-tree playbooks", () => {
  it("points a Kustomization whose path is missing back at the app's own folder, changing nothing else", async () => {
    repo = await fluxRepo("apps-kustomization-path-missing");
    const run = await repo.run(PATH_MISSING, [ECHO_KS]);
    expect(run).toMatchObject({
      kind: "changed",
      playbook: "flux-kustomization-path-missing",
      path: ECHO_KS,
    });
    expect(run.summary).toContain("use ./kubernetes/apps/default/echo/app");
    expect(await repo.read(ECHO_KS)).toBe(repo.original[ECHO_KS]);
  });

  it("leaves a missing path alone when two folders are close to it, and says which", async () => {
    repo = await fluxRepo("apps-kustomization-path-missing", (files) => {
      files.set("kubernetes/apps/default/echo-servers/app/kustomization.yaml", "resources: []\n");
    });
    const before = await repo.read(ECHO_KS);
    const run = await repo.run(PATH_MISSING);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain("several are close to echo-server (echo, echo-servers)");
    expect(await repo.read(ECHO_KS)).toBe(before);
  });

  it("does not repoint a Kustomization at a folder another Kustomization already applies", async () => {
    repo = await fluxRepo("apps-kustomization-path-missing", (files) => {
      const ks = files.get(ECHO_KS) ?? "";
      files.set(
        "kubernetes/apps/default/other/ks.yaml",
        ks.replace("echo-server", "echo").replace("name: echo", "name: other"),
      );
    });
    const run = await repo.run(PATH_MISSING);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain("is already Kustomization other's path");
  });

  it("corrects a misspelt targetNamespace to the namespace the tree defines", async () => {
    repo = await fluxRepo("apps-namespace-typo");
    const run = await repo.run(NAMESPACE_MISSING, [ECHO_KS]);
    expect(run).toMatchObject({ kind: "changed", playbook: "flux-namespace-missing", path: ECHO_KS });
    expect(run.summary).toContain("namespace defualt is not defined; use default");
    expect(await repo.read(ECHO_KS)).toBe(repo.original[ECHO_KS]);
  });

  it("still fixes the tree when another file in it is broken YAML, and leaves that file alone", async () => {
    const broken = "kubernetes/bootstrap/20-cilium.yaml";
    repo = await fluxRepo("apps-namespace-typo", (files) => {
      files.set(broken, "kind: DaemonSet\n metadata:\n  name: cilium\n");
    });
    const run = await repo.run(NAMESPACE_MISSING);
    expect(run).toMatchObject({ kind: "changed", path: ECHO_KS });
    expect(await repo.read(broken)).toBe("kind: DaemonSet\n metadata:\n  name: cilium\n");
  });

  it("leaves a namespace no defined one resembles to a human: it may need its own Namespace", async () => {
    repo = await fluxRepo(undefined, (files) => {
      files.set(
        ECHO_KS,
        (files.get(ECHO_KS) ?? "").replace("targetNamespace: default", "targetNamespace: media"),
      );
    });
    const run = await repo.run(NAMESPACE_MISSING.replaceAll("defualt", "media"));
    expect(run.kind).toBe("no_change");
    expect(run.summary).toMatch(
      /namespace media is not defined and none of .* is close to media; add a Namespace/,
    );
  });

  it("refuses to change a file outside the failing stage's files, naming the guard", async () => {
    repo = await fluxRepo("apps-namespace-typo");
    const run = await repo.run(NAMESPACE_MISSING, ["kubernetes/apps/default/echo/app/helmrelease.yaml"]);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain(`${ECHO_KS} is not among the failing stage's files`);
    expect(await repo.read(ECHO_KS)).toContain("targetNamespace: defualt");
  });

  it("points a Certificate at the ClusterIssuer the tree defines, from the stage's line alone", async () => {
    repo = await fluxRepo("ingress-cluster-issuer-missing");
    const run = await repo.run(CERTIFICATE_NOT_READY, [CERTIFICATE]);
    expect(run).toMatchObject({
      kind: "changed",
      playbook: "cert-manager-issuer-missing",
      path: CERTIFICATE,
    });
    expect(run.summary).toContain(
      "issuerRef ClusterIssuer letsencrypt-prod is not defined; use letsencrypt-production",
    );
    expect(await repo.read(CERTIFICATE)).toBe(repo.original[CERTIFICATE]);
  });

  it("reads cert-manager's own IssuerNotFound condition too", async () => {
    repo = await fluxRepo("ingress-cluster-issuer-missing");
    const run = await repo.run(ISSUER_NOT_FOUND);
    expect(run).toMatchObject({ kind: "changed", path: CERTIFICATE });
    expect(await repo.read(CERTIFICATE)).toBe(repo.original[CERTIFICATE]);
  });

  it("does not point a Certificate at an Issuer of another namespace", async () => {
    repo = await fluxRepo(undefined, (files) => {
      const certificate = (files.get(CERTIFICATE) ?? "").replace(
        "    name: letsencrypt-production\n    kind: ClusterIssuer",
        "    name: ca-issuer\n    kind: Issuer",
      );
      files.set(CERTIFICATE, certificate);
      files.set(
        "kubernetes/apps/cert-manager/issuers/app/issuer.yaml",
        "---\napiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata:\n  name: ca-issuers\n  namespace: cert-manager\nspec:\n  selfSigned: {}\n",
      );
    });
    const before = await repo.read(CERTIFICATE);
    const run = await repo.run(CERTIFICATE_NOT_READY);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain(
      "Issuer ca-issuer is not defined in the repo and there is none to choose from",
    );
    expect(await repo.read(CERTIFICATE)).toBe(before);
  });

  it("changes nothing when the Certificate's issuer is defined: the cause is elsewhere", async () => {
    repo = await fluxRepo(undefined);
    const run = await repo.run(CERTIFICATE_NOT_READY);
    expect(run.kind).toBe("no_change");
    expect(run.summary).toContain(
      "the tree defines ClusterIssuer letsencrypt-production, so the issuer is not what is missing",
    );
  });
});

describe("which names are plainly the one meant", () => {
  it.each([
    ["defualt", "default", true],
    ["letsencrypt-prod", "letsencrypt-production", true],
    ["echo-server", "echo", true],
    ["observabilty", "observability", true],
    ["letsencrypt-production", "letsencrypt-staging", false],
    ["media", "default", false],
    ["app", "apps", true],
    ["network", "storage", false],
  ])("%s → %s: %s", (wanted, candidate, close) => {
    expect(isCloseName(wanted, candidate)).toBe(close);
  });
});

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseFluxGet } from "../../src/homelab/tools/index.ts";
import { startGitDaemon } from "../gitops/git-daemon.ts";
import { newLabWorld, updateWorld, writeWorld } from "../world/index.ts";
import { bootstrapManifests, type FakeClis, installFakeClis, viewOf } from "./index.ts";

/** The lab's Flux against a real bare repository: sync, revisions, and Ready from the manifests. */

const PATH = "kubernetes/flux/cluster";
let fakes: FakeClis;
let dir: string;
let worldFile: string;
let bare: string;
let work: string;

const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
const ks = (name: string, path: string, extra = "") =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
const repo = (name: string) =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.example/${name}\n`;
const release = (namespace: string, name: string, chart: string, version: string, values: object = {}) =>
  stringify({
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace },
    spec: {
      interval: "1h",
      chart: {
        spec: {
          chart,
          version,
          sourceRef: { kind: "HelmRepository", name: chart, namespace: "flux-system" },
        },
      },
      values,
    },
  });

/** A small cluster-template-shaped tree that is green as it is. */
function greenTree(): Record<string, string> {
  return {
    ...bootstrapManifests({ url: bare, branch: "main", path: PATH }),
    [`${PATH}/apps.yaml`]: ks("cluster-apps", "./kubernetes/apps"),
    "kubernetes/apps/flux-system/repos.yaml": [
      "cert-manager",
      "app-template",
      "kube-prometheus-stack",
      "local-path-provisioner",
    ]
      .map(repo)
      .join("---\n"),
    "kubernetes/apps/cert-manager/kustomization.yaml": "resources:\n- namespace.yaml\n- ks.yaml\n",
    "kubernetes/apps/cert-manager/namespace.yaml": ns("cert-manager"),
    "kubernetes/apps/cert-manager/ks.yaml": `${ks("cert-manager", "./kubernetes/apps/cert-manager/app")}---\n${ks("cert-manager-issuers", "./kubernetes/apps/cert-manager/issuers", "  dependsOn:\n  - name: cert-manager\n")}`,
    "kubernetes/apps/cert-manager/app/helmrelease.yaml": release(
      "cert-manager",
      "cert-manager",
      "cert-manager",
      "v1.19.1",
      {
        crds: { enabled: true },
      },
    ),
    "kubernetes/apps/cert-manager/issuers/issuers.yaml": `apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt-production\nspec: {}\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: example-com\n  namespace: cert-manager\nspec:\n  secretName: example-com-tls\n  issuerRef:\n    kind: ClusterIssuer\n    name: letsencrypt-production\n`,
    "kubernetes/apps/default/kustomization.yaml": "resources:\n- ./echo/ks.yaml\n",
    "kubernetes/apps/default/echo/ks.yaml": ks(
      "echo",
      "./kubernetes/apps/default/echo/app",
      "  targetNamespace: default\n",
    ),
    "kubernetes/apps/default/echo/app/kustomization.yaml": "resources:\n- helmrelease.yaml\n- ingress.yaml\n",
    "kubernetes/apps/default/echo/app/helmrelease.yaml": release("default", "echo", "app-template", "4.3.0", {
      service: { app: { ports: { http: { port: 8080 } } } },
    }),
    "kubernetes/apps/default/echo/app/ingress.yaml": `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: internal\nspec:\n  controller: k8s.io/ingress-nginx\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: echo\nspec:\n  ingressClassName: internal\n  rules:\n  - host: echo.example.com\n`,
    "kubernetes/apps/observability/namespace.yaml": ns("observability"),
    "kubernetes/apps/observability/kps.yaml": release(
      "observability",
      "kube-prometheus-stack",
      "kube-prometheus-stack",
      "79.5.0",
      { kubeEtcd: { enabled: false } },
    ),
  };
}

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  }
  return result.stdout.trim();
}

/** Commits `files` (null deletes) in the work clone and pushes main; returns the new sha. */
function push(files: Record<string, string | null>): string {
  for (const [file, text] of Object.entries(files)) {
    const target = join(work, file);
    if (text === null) {
      rmSync(target, { force: true });
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
  }
  git(work, "add", "-A");
  git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "change", "--allow-empty");
  git(work, "push", "-q", "origin", "HEAD:main");
  return git(work, "rev-parse", "HEAD");
}

function run(tool: string, ...args: string[]) {
  const result = spawnSync(join(dir, "bin", tool), ["--kubeconfig", join(dir, "kubeconfig"), ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const bootstrap = (url = bare) =>
  run("flux", "bootstrap", "git", `--url=${url}`, "--branch=main", `--path=${PATH}`);
const resync = () => run("flux", "reconcile", "ks", "flux-system", "--with-source");
const row = (kind: "ks" | "hr", name: string) =>
  run("flux", "get", kind, "-A")
    .stdout.split("\n")
    .find((line) => line.split("\t")[1] === name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flux-sync-"));
  worldFile = join(dir, "world.json");
  writeWorld(worldFile, newLabWorld());
  updateWorld(worldFile, (world) => {
    const view = viewOf(world);
    view.talos.etcd = { clusterId: "x", bootstrapNode: "192.168.1.21" };
    view.kubernetes.objects["DaemonSet/kube-system/cilium"] = {
      kind: "DaemonSet",
      namespace: "kube-system",
      name: "cilium",
    };
    view.store();
  });
  const ca = Buffer.from("k8s-ca:x").toString("base64");
  writeFileSync(
    join(dir, "kubeconfig"),
    stringify({
      clusters: [{ cluster: { server: "https://192.168.1.20:6443", "certificate-authority-data": ca } }],
    }),
  );
  bare = join(dir, "home-ops.git");
  git(dir, "init", "-q", "--bare", "--initial-branch=main", bare);
  work = join(dir, "work");
  git(dir, "clone", "-q", bare, work);
  git(work, "checkout", "-q", "-b", "main");
  push(greenTree());
  fakes = await installFakeClis(join(dir, "bin"), { worldFile });
  expect(bootstrap().code).toBe(0);
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // Every test starts from the green tree at a new commit.
  git(work, "fetch", "-q", "origin");
  git(work, "reset", "-q", "--hard", "origin/main");
  rmSync(join(work, "kubernetes"), { recursive: true, force: true });
  push(greenTree());
});

describe("flux bootstrap git against a real repository", () => {
  it("pushes nothing when the flux-system manifests are already there, and reports the commit it synced", () => {
    const head = git(work, "rev-parse", "HEAD");
    const result = bootstrap();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("✔ component manifests are up to date\n");
    expect(result.stderr).toContain("✔ sync manifests are up to date\n");
    expect(git(bare, "rev-parse", "main")).toBe(head);
    expect(row("ks", "flux-system")).toContain(`main@sha1:${head}`);
  });

  it("commits and pushes the flux-system manifests a repository lacks", async () => {
    const other = join(dir, "fresh.git");
    git(dir, "init", "-q", "--bare", "--initial-branch=main", other);
    const seed = join(dir, "fresh-work");
    git(dir, "clone", "-q", other, seed);
    writeFileSync(join(seed, "README.md"), "home-ops\n");
    git(seed, "add", "-A");
    git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init");
    git(seed, "push", "-q", "origin", "HEAD:main");
    const result = bootstrap(other);
    expect(result.stderr).toMatch(/✔ committed component manifests to "main"/);
    expect(git(other, "log", "--format=%s", "main")).toBe(
      "Add Flux sync manifests\nAdd Flux v2.7.5 component manifests\ninit",
    );
    expect(bootstrap().code).toBe(0); // back to the main fixture
  });

  it("fails with flux's clone error when the repository does not exist", () => {
    const missing = join(dir, "nowhere.git");
    const result = bootstrap(missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `✗ failed to clone repository: unable to clone: repository not found: git repository: '${missing}'`,
    );
    expect(bootstrap().code).toBe(0);
  });

  it("clones over git:// from the lab's git daemon", async () => {
    const daemon = await startGitDaemon(dir);
    try {
      const url = `${daemon.baseUrl}home-ops.git`;
      push(bootstrapManifests({ url, branch: "main", path: PATH }));
      const result = bootstrap(url);
      expect(result.stderr).toContain(`► cloning branch "main" from Git repository "${url}"`);
      expect(result.code).toBe(0);
    } finally {
      push(bootstrapManifests({ url: bare, branch: "main", path: PATH }));
      await daemon.close();
    }
    expect(bootstrap().code).toBe(0);
  });
});

describe("the artifact revision", () => {
  it("follows a new commit after reconcile --with-source, and not before", () => {
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      view.kubernetes.flux.timeScale = 0; // the interval never passes by itself
      view.store();
    });
    resync();
    const before = git(work, "rev-parse", "HEAD");
    const after = push({ "kubernetes/apps/default/echo/app/note.txt": "x\n" });
    expect(row("ks", "cluster-apps")).toContain(before);
    const result = resync();
    expect(result.stderr).toContain(`✔ fetched revision main@sha1:${after}\n`);
    expect(row("ks", "cluster-apps")).toContain(after);
  });

  it("keeps the last artifact when a fetch fails, and says why on stderr", () => {
    resync();
    const head = git(work, "rev-parse", "HEAD");
    renameSync(bare, `${bare}.away`);
    try {
      const result = run("flux", "reconcile", "source", "git", "flux-system");
      expect(result).toEqual({
        code: 1,
        stdout: "",
        stderr: `► annotating GitRepository flux-system in flux-system namespace\n✔ GitRepository annotated\n◎ waiting for GitRepository reconciliation\n✗ failed to checkout and determine revision: unable to clone: repository not found: git repository: '${bare}'\n`,
      });
      expect(row("ks", "echo")).toContain(`\tTrue\tApplied revision: main@sha1:${head}`);
    } finally {
      renameSync(`${bare}.away`, bare);
    }
    expect(run("flux", "reconcile", "source", "git", "flux-system").stderr).toContain(
      `✔ fetched revision main@sha1:${head}\n`,
    );
  });

  it("follows a new commit once the GitRepository's interval has passed", () => {
    const after = push({ "kubernetes/apps/default/echo/app/note.txt": "y\n" });
    expect(row("ks", "echo")).not.toContain(after);
    updateWorld(worldFile, (world) => {
      const view = viewOf(world);
      view.kubernetes.flux.timeScale = 1;
      view.kubernetes.flux.fetchedAt = Date.now() - 61_000; // gotk-sync.yaml: interval 1m0s
      view.store();
    });
    expect(view().kubernetes.flux.intervalMs).toBe(60_000);
    expect(row("ks", "echo")).toContain(after);
  });
});

function view() {
  let snapshot: ReturnType<typeof viewOf> | undefined;
  updateWorld(worldFile, (world) => {
    snapshot = viewOf(world);
  });
  return snapshot!;
}

describe("Ready decided from the manifests", () => {
  it("is Ready everywhere for the green tree", () => {
    resync();
    const notReady = run("flux", "get", "ks", "-A")
      .stdout.split("\n")
      .filter((line) => line.includes("\tFalse\t"));
    expect(notReady).toEqual([]);
    expect(row("hr", "echo")).toContain(
      "Helm install succeeded for release default/echo.v1 with chart app-template@4.3.0",
    );
  });

  it("says kustomization path not found for a path the commit lacks", () => {
    push({ "kubernetes/apps/default/echo/ks.yaml": ks("echo", "./kubernetes/apps/default/echo/ap") });
    resync();
    expect(row("ks", "echo")).toContain(
      "kustomization path not found: stat /tmp/kustomization-1043787142/kubernetes/apps/default/echo/ap: no such file or directory",
    );
  });

  it("holds a dependant with kustomize-controller's dependency message", () => {
    push({
      "kubernetes/apps/cert-manager/app/helmrelease.yaml": null,
      "kubernetes/apps/cert-manager/app/x.yaml": "a: [\n",
    });
    resync();
    expect(row("ks", "cert-manager")).toContain(
      "failed to decode Kubernetes YAML from /tmp/kustomization-1043787142/kubernetes/apps/cert-manager/app/x.yaml: MalformedYAMLError: yaml: line",
    );
    expect(row("ks", "cert-manager-issuers")).toContain("dependency 'flux-system/cert-manager' is not ready");
  });

  it("fails the apply of an object whose namespace does not exist", () => {
    push({ "kubernetes/apps/observability/namespace.yaml": null });
    resync();
    expect(row("ks", "cluster-apps")).toContain(
      'HelmRelease/observability/kube-prometheus-stack not found: namespaces "observability" not found',
    );
  });

  it("refuses values the chart's schema refuses, with helm's message", () => {
    push({
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
    resync();
    const echo = parseFluxGet(run("flux", "get", "hr", "-A").stdout).find((object) => object.name === "echo");
    expect(echo?.ready).toBe("False");
    expect(echo?.message).toBe(
      "Helm install failed for release default/echo with chart app-template@4.3.0: values don't meet the specifications of the schema(s) in the following chart(s):\napp-template:\n- at '/service/app/ports/http/port': got string, want integer",
    );
  });

  it("names a missing HelmRepository and a chart version the repository lacks", () => {
    push({
      "kubernetes/apps/default/echo/app/helmrelease.yaml": release(
        "default",
        "echo",
        "app-template",
        "9.9.9",
      ),
      "kubernetes/apps/flux-system/repos.yaml": repo("app-template"),
    });
    resync();
    expect(row("hr", "echo")).toContain(
      "HelmChart 'flux-system/default-echo' is not ready: invalid chart reference: failed to get chart version for remote reference: no 'app-template' chart with version matching '9.9.9' found",
    );
    // No chart yet, so no REVISION: the empty cell must not shift MESSAGE for the stage's parser.
    const certManager = parseFluxGet(run("flux", "get", "hr", "-A").stdout).find(
      (object) => object.name === "cert-manager",
    );
    expect(certManager?.message).toBe(
      `HelmChart 'flux-system/cert-manager-cert-manager' is not ready: failed to get source: helmrepositories.source.toolkit.fluxcd.io "cert-manager" not found`,
    );
  });

  it("leaves a Certificate unissued when its ClusterIssuer does not exist", () => {
    resync();
    expect(run("kubectl", "get", "certificate", "-A").stdout).toMatch(/example-com\s+True/);
    push({
      "kubernetes/apps/cert-manager/issuers/issuers.yaml": greenTree()
        ["kubernetes/apps/cert-manager/issuers/issuers.yaml"]!.replace(
          "name: letsencrypt-production\n  namespace",
          "name: letsencrypt-production\n  namespace",
        )
        .replace("    name: letsencrypt-production\n", "    name: letsencrypt-prod\n"),
    });
    resync();
    expect(run("kubectl", "get", "certificate", "-A").stdout).toMatch(/example-com\s+False/);
    expect(run("kubectl", "get", "certificaterequest", "-A", "-o", "wide").stdout).toContain(
      'Referenced "ClusterIssuer" not found: clusterissuer.cert-manager.io "letsencrypt-prod" not found',
    );
  });

  it("refuses a Certificate until its CRD is served, then applies it", () => {
    push({
      "kubernetes/apps/cert-manager/app/issuers.yaml":
        greenTree()["kubernetes/apps/cert-manager/issuers/issuers.yaml"] ?? "",
      "kubernetes/apps/cert-manager/issuers/issuers.yaml": null,
    });
    resync();
    expect(row("ks", "cert-manager")).toContain(
      'ClusterIssuer/letsencrypt-production dry-run failed: no matches for kind "ClusterIssuer" in version "cert-manager.io/v1"',
    );
    const crds = join(dir, "crds.yaml");
    writeFileSync(
      crds,
      ["clusterissuers", "certificates"]
        .map(
          (plural) =>
            `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.cert-manager.io\n`,
        )
        .join("---\n"),
    );
    expect(run("kubectl", "apply", "--server-side", "-f", crds).code).toBe(0);
    expect(row("ks", "cert-manager")).toContain("\tTrue\tApplied revision");
  });

  it("gives an Ingress no address when its class does not exist", () => {
    resync();
    expect(run("kubectl", "get", "ingress", "-A").stdout).toMatch(
      /echo\s+internal\s+echo.example.com\s+192\.168\.1\.25/,
    );
    push({
      "kubernetes/apps/default/echo/app/ingress.yaml": greenTree()[
        "kubernetes/apps/default/echo/app/ingress.yaml"
      ]!.replace("ingressClassName: internal", "ingressClassName: external"),
    });
    resync();
    expect(run("kubectl", "get", "ingress", "-A").stdout).toMatch(/echo\s+external\s+echo.example.com\s+80/);
  });

  it("serves Prometheus targets for the jobs kube-prometheus-stack's values enable", () => {
    resync();
    const targets = JSON.parse(
      run(
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
    push(oci(false));
    resync();
    expect(row("hr", "echo")).toContain(
      'could not get Source object: ocirepositories.source.toolkit.fluxcd.io "echo" not found',
    );
    push(oci(true));
    resync();
    expect(row("hr", "echo")).toContain("with chart app-template@4.2.0");
  });

  it("serves the chart's Prometheus service on the port its values give", () => {
    push({
      "kubernetes/apps/observability/kps.yaml": release(
        "observability",
        "kube-prometheus-stack",
        "kube-prometheus-stack",
        "79.5.0",
        { prometheus: { service: { port: 9091 } } },
      ),
    });
    resync();
    const targets = (service: string) =>
      run(
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
    resync();
    updateWorld(worldFile, (world) => {
      world.faults = {
        ...world.faults,
        fluxNotReady: { "HelmRelease default/echo": "upgrade retries exhausted" },
      };
    });
    try {
      expect(row("hr", "echo")).toContain("\tFalse\tupgrade retries exhausted");
    } finally {
      updateWorld(worldFile, (world) => {
        world.faults = { ...world.faults, fluxNotReady: {} };
      });
    }
  });
});

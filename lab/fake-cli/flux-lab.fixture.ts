import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { newLabWorld, updateWorld, writeWorld } from "../world/index.ts";
import { bootstrapManifests, type FakeClis, installFakeClis, viewOf } from "./index.ts";

/**
 * A lab whose Flux is bootstrapped from a real bare repository holding a small
 * cluster-template-shaped tree that is green as it is; tests push changes and resync.
 */

export const FLUX_PATH = "kubernetes/flux/cluster";

export const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
export const ks = (name: string, path: string, extra = "") =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
export const repo = (name: string) =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.example/${name}\n`;
export const release = (
  namespace: string,
  name: string,
  chart: string,
  version: string,
  values: object = {},
) =>
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
export function greenTree(bare: string): Record<string, string> {
  return {
    ...bootstrapManifests({ url: bare, branch: "main", path: FLUX_PATH }),
    [`${FLUX_PATH}/apps.yaml`]: ks("cluster-apps", "./kubernetes/apps"),
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

export function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
  }
  return result.stdout.trim();
}

export interface FluxLab {
  readonly dir: string;
  readonly worldFile: string;
  /** The bare repository Flux syncs (a path URL). */
  readonly bare: string;
  /** A clone of it the tests commit in. */
  readonly work: string;
  /** Runs a fake with the lab's kubeconfig. */
  run(tool: string, ...args: string[]): { code: number | null; stdout: string; stderr: string };
  /** Commits `files` (null deletes) in the work clone and pushes main; returns the new sha. */
  push(files: Record<string, string | null>): string;
  /** The work clone reset to the green tree, pushed as a new commit. */
  resetToGreen(): void;
  bootstrap(url?: string): ReturnType<FluxLab["run"]>;
  /** `flux reconcile ks flux-system --with-source` */
  resync(): ReturnType<FluxLab["run"]>;
  /** The `flux get <kind> -A` line of `name`. */
  row(kind: "ks" | "hr", name: string): string | undefined;
  close(): Promise<void>;
}

export async function startFluxLab(): Promise<FluxLab> {
  const dir = mkdtempSync(join(tmpdir(), "flux-lab-"));
  const worldFile = join(dir, "world.json");
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
  const bare = join(dir, "home-ops.git");
  git(dir, "init", "-q", "--bare", "--initial-branch=main", bare);
  const work = join(dir, "work");
  git(dir, "clone", "-q", bare, work);
  git(work, "checkout", "-q", "-b", "main");
  const push = (files: Record<string, string | null>): string => {
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
  };
  push(greenTree(bare));
  const fakes: FakeClis = await installFakeClis(join(dir, "bin"), { worldFile });
  const run = (tool: string, ...args: string[]) => {
    const result = spawnSync(join(dir, "bin", tool), ["--kubeconfig", join(dir, "kubeconfig"), ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const bootstrap = (url = bare) =>
    run("flux", "bootstrap", "git", `--url=${url}`, "--branch=main", `--path=${FLUX_PATH}`);
  const started = bootstrap();
  if (started.code !== 0) {
    throw new Error(`flux bootstrap failed: ${started.stderr}`);
  }
  return {
    dir,
    worldFile,
    bare,
    work,
    run,
    push,
    bootstrap,
    resetToGreen() {
      git(work, "fetch", "-q", "origin");
      git(work, "reset", "-q", "--hard", "origin/main");
      rmSync(join(work, "kubernetes"), { recursive: true, force: true });
      push(greenTree(bare));
    },
    resync: () => run("flux", "reconcile", "ks", "flux-system", "--with-source"),
    row: (kind, name) =>
      run("flux", "get", kind, "-A")
        .stdout.split("\n")
        .find((line) => line.split("\t")[1] === name),
    async close() {
      await fakes.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

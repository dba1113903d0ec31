import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type FakeClis, installFakeClis, viewOf } from "../../../lab/fake-cli/index.ts";
import { type GitHttpServer, startGitHttpServer } from "../../../lab/gitops/git-http.ts";
import { LAB_FLUX_PATH, labFluxTree } from "../../../lab/sandbox/flux-tree.ts";
import { publishToLab, writeRepoFiles } from "../../../lab/sandbox/publish.ts";
import { newLabWorld, updateWorld, writeWorld } from "../../../lab/world/index.ts";
import { git } from "../../adapters/git/index.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { FLUX_STAGE_CHECKS } from "./flux.ts";
import { readIngresses, whyNoAddress } from "./ingress-status.ts";
import { stageEnvironment, toolsOf } from "./stage-context.ts";

/**
 * The ingress checks against the fake kubectl: the tunnel's cloudflared logs, fresh and
 * long-running, and the Ingresses' addresses and classes.
 * The tunnel is the lab Flux tree's cloudflare-tunnel HelmRelease: the tree is pushed to a git
 * server on loopback and Flux is bootstrapped from it, as the infra stage does.
 */

let fakes: FakeClis;
let gitServer: GitHttpServer;
let dir: string;
let worldFile: string;

const IDENTITY = {
  GIT_AUTHOR_NAME: "T",
  GIT_AUTHOR_EMAIL: "t@t",
  GIT_COMMITTER_NAME: "T",
  GIT_COMMITTER_EMAIL: "t@t",
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flux-checks-"));
  worldFile = join(dir, "world.json");
  writeWorld(worldFile, newLabWorld());
  updateWorld(worldFile, (world) => {
    const view = viewOf(world);
    view.talos.etcd = { clusterId: "x", bootstrapNode: "192.168.1.21" };
    // The CNI the infra stage applies before bootstrapping Flux.
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
  fakes = await installFakeClis(join(dir, "bin"), { worldFile });
  mkdirSync(join(dir, "git"));
  gitServer = await startGitHttpServer(join(dir, "git"));
  const url = await gitServer.createRepo("lab/homelab");
  const repo = join(dir, "homelab");
  await git(["init", "--quiet", "--initial-branch", "main", repo], { cwd: dir });
  await writeRepoFiles(repo, Object.entries(labFluxTree(url)));
  await git(["add", "-A"], { cwd: repo });
  await git(["commit", "--quiet", "-m", "homelab"], { cwd: repo, env: IDENTITY });
  await publishToLab(repo, { git: { url, bareRepo: join(dir, "git", "lab", "homelab.git") } });
  await toolsOf(stage()).flux.bootstrapGit({ url, branch: "main", path: LAB_FLUX_PATH });
});

afterAll(async () => {
  await fakes.close();
  await gitServer.close();
  rmSync(dir, { recursive: true, force: true });
});

function stage() {
  return stageEnvironment(
    dir,
    { PATH: `${join(dir, "bin")}:${process.env["PATH"]}`, LAB_WORLD: worldFile, ORCHESTRATOR_REPO_ROOT: dir },
    () => undefined,
  );
}

function tunnelCheck(): Promise<string | undefined> {
  const check = FLUX_STAGE_CHECKS.ingress.find((candidate) => candidate.name === "tunnel-connected");
  if (!check) {
    throw new Error("no tunnel-connected check");
  }
  return check.run(parseClusterFile(EXAMPLE_CLUSTER_FILE, "c.yaml"), toolsOf(stage()));
}

const setFaults = (faults: { tunnelLongRunning?: boolean; tunnelError?: string | null }) =>
  updateWorld(worldFile, (world) => {
    world.faults = { ...world.faults, ...faults };
  });

describe("the tunnel-connected check", () => {
  it("passes a tunnel that has run so long its registrations left the log tail", async () => {
    setFaults({ tunnelLongRunning: true, tunnelError: null });
    await expect(tunnelCheck()).resolves.toBeUndefined();
  });

  it("passes a freshly started tunnel by its Registered tunnel connection lines", async () => {
    setFaults({ tunnelLongRunning: false, tunnelError: null });
    await expect(tunnelCheck()).resolves.toBeUndefined();
  });
});

describe("the tunnel-connected check with a broken credential", () => {
  it("reports cloudflared's own reason, read before kubectl rollout status gives up", async () => {
    setFaults({
      tunnelLongRunning: false,
      tunnelError:
        'Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13',
    });
    await expect(tunnelCheck()).resolves.toBe(
      'the tunnel registered no connection: 2026-01-12T09:14:03Z ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13',
    );
  });
});

/** Replaces `from` with `to` in one file of the lab repo, pushes it and lets Flux sync it. */
async function pushTreeChange(file: string, from: string, to: string): Promise<void> {
  const repo = join(dir, "homelab");
  const text = readFileSync(join(repo, file), "utf8");
  expect(text).toContain(from);
  writeFileSync(join(repo, file), text.replace(from, to));
  await git(["commit", "--quiet", "-am", `${from} -> ${to}`], { cwd: repo, env: IDENTITY });
  await git(["push", "--quiet", "origin", "main"], { cwd: repo });
  await toolsOf(stage()).flux.reconcileKustomization("flux-system");
}

function addressCheck(): Promise<string | undefined> {
  const check = FLUX_STAGE_CHECKS.ingress.find((candidate) => candidate.name === "ingresses-have-address");
  if (!check) {
    throw new Error("no ingresses-have-address check");
  }
  return check.run(parseClusterFile(EXAMPLE_CLUSTER_FILE, "c.yaml"), toolsOf(stage()));
}

describe("the ingresses-have-address check", () => {
  const classFile = "kubernetes/apps/network/cloudflare-tunnel/app/ingressclass.yaml";

  it("passes the lab tree, whose echo Ingress names the tunnel's IngressClass", async () => {
    await expect(addressCheck()).resolves.toBeUndefined();
  });

  it("names the Ingress, its class and the classes that exist when the class is missing", async () => {
    await pushTreeChange(classFile, "name: external", "name: nginx");
    try {
      await expect(addressCheck()).resolves.toBe(
        "Ingress default/echo has no address: its ingressClassName external names an IngressClass that does not exist (IngressClasses that exist: nginx)",
      );
    } finally {
      await pushTreeChange(classFile, "name: nginx", "name: external");
    }
    await expect(addressCheck()).resolves.toBeUndefined();
  });
});

describe("why an Ingress has no address", () => {
  const report = { ingresses: [], classes: ["external", "internal"] };

  it("says an Ingress names no class, listing the classes it could name", () => {
    expect(
      whyNoAddress({ namespace: "media", name: "jellyfin", className: undefined, addresses: [] }, report),
    ).toBe(
      "Ingress media/jellyfin has no address: it names no ingressClassName, so no controller admits it (IngressClasses that exist: external, internal)",
    );
  });

  it("blames the controller when the class exists but nothing admitted the Ingress", () => {
    expect(
      whyNoAddress({ namespace: "media", name: "jellyfin", className: "internal", addresses: [] }, report),
    ).toBe(
      "Ingress media/jellyfin has no address: no ingress controller has admitted it for its IngressClass internal",
    );
  });

  it("says no IngressClass exists at all when the cluster has none", () => {
    expect(
      whyNoAddress(
        { namespace: "default", name: "echo", className: "nginx", addresses: [] },
        { ingresses: [], classes: [] },
      ),
    ).toBe(
      "Ingress default/echo has no address: its ingressClassName nginx names an IngressClass that does not exist (no IngressClass exists)",
    );
  });

  it("fails with one line naming the command when kubectl prints something that is not a list", async () => {
    const kubectl = { run: async () => '{"kind": "Status"}' } as unknown as Parameters<
      typeof readIngresses
    >[0];
    await expect(readIngresses(kubectl)).rejects.toThrow(
      "kubectl get ingress -A -o json printed an unexpected list: items",
    );
  });
});

describe("the certificates-ready check", () => {
  const certificateFile = "kubernetes/apps/network/certificates/app/certificate.yaml";
  const certificatesCheck = () => {
    const check = FLUX_STAGE_CHECKS.ingress.find((candidate) => candidate.name === "certificates-ready");
    if (!check) {
      throw new Error("no certificates-ready check");
    }
    return check.run(parseClusterFile(EXAMPLE_CLUSTER_FILE, "c.yaml"), toolsOf(stage()));
  };

  it("names the certificate and the reason its request gives when the issuer does not exist", async () => {
    await pushTreeChange(certificateFile, "name: letsencrypt-production", "name: letsencrypt-prod");
    try {
      await expect(certificatesCheck()).resolves.toMatch(
        /^certificates not Ready: network\/example-com-production \(.*"letsencrypt-prod" not found.*\)$/,
      );
    } finally {
      await pushTreeChange(certificateFile, "name: letsencrypt-prod", "name: letsencrypt-production");
    }
    await expect(certificatesCheck()).resolves.toBeUndefined();
  });
});

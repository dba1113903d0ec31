import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { bootstrapManifests, type FakeClis, installFakeClis, viewOf } from "../../../lab/fake-cli/index.ts";
import { newLabWorld, updateWorld, writeWorld } from "../../../lab/world/index.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { FLUX_STAGE_CHECKS } from "./flux.ts";
import { stageEnvironment, toolsOf } from "./stage-context.ts";

/** The ingress tunnel check against the fake kubectl's cloudflared logs, fresh and long-running. */

let fakes: FakeClis;
let dir: string;
let worldFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flux-checks-"));
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
  fakes = await installFakeClis(join(dir, "bin"), { worldFile });
  // The lab's Flux reads the repository: one holding the tunnel's HelmRelease, bootstrapped.
  const bare = join(dir, "home-ops.git");
  const work = join(dir, "work");
  const git = (cwd: string, ...args: string[]) => spawnSync("git", args, { cwd, encoding: "utf8" });
  git(dir, "init", "-q", "--bare", "--initial-branch=main", bare);
  git(dir, "init", "-q", "--initial-branch=main", work);
  const tree: Record<string, string> = {
    ...bootstrapManifests({ url: bare, branch: "main", path: "kubernetes/flux/cluster" }),
    "kubernetes/flux/cluster/network.yaml": `apiVersion: v1\nkind: Namespace\nmetadata: { name: network }\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: { name: cloudflare, namespace: flux-system }\nspec: { url: "https://cloudflare.github.io/helm-charts" }\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: { name: cloudflare-tunnel, namespace: network }\nspec:\n  chart: { spec: { chart: cloudflare-tunnel, version: 0.3.2, sourceRef: { kind: HelmRepository, name: cloudflare, namespace: flux-system } } }\n`,
  };
  for (const [file, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(work, file)), { recursive: true });
    writeFileSync(join(work, file), text);
  }
  git(work, "add", "-A");
  git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tree");
  git(work, "push", "-q", bare, "HEAD:main");
  const flux = spawnSync(
    join(dir, "bin", "flux"),
    [
      "--kubeconfig",
      join(dir, "kubeconfig"),
      "bootstrap",
      "git",
      `--url=${bare}`,
      "--branch=main",
      "--path=kubernetes/flux/cluster",
    ],
    { encoding: "utf8" },
  );
  if (flux.status !== 0) {
    throw new Error(flux.stderr);
  }
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

function tunnelCheck(): Promise<string | undefined> {
  const stage = stageEnvironment(
    dir,
    { PATH: `${join(dir, "bin")}:${process.env["PATH"]}`, LAB_WORLD: worldFile, ORCHESTRATOR_REPO_ROOT: dir },
    () => undefined,
  );
  const check = FLUX_STAGE_CHECKS.ingress.find((candidate) => candidate.name === "tunnel-connected");
  if (!check) {
    throw new Error("no tunnel-connected check");
  }
  return check.run(parseClusterFile(EXAMPLE_CLUSTER_FILE, "c.yaml"), toolsOf(stage));
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

import { afterEach, describe, expect, it } from "vitest";
import { viewOf } from "../../../lab/fake-cli/index.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { type HomelabLab, startHomelabLab } from "./lab-homelab.fixture.ts";

let lab: HomelabLab | undefined;

afterEach(async () => {
  await lab?.lab.close();
  lab = undefined;
});

async function upToTalos(homelab: HomelabLab) {
  for (const name of ["vms", "talos"]) {
    const { exitCode, lines } = await homelab.step(name);
    expect(exitCode, lines.join("\n")).toBe(0);
  }
}

describe("the Flux steps in the lab", { tags: ["slow"], timeout: 240_000 }, () => {
  it("goes green from vms through talos, infra, apps, ingress and obs", async () => {
    lab = await startHomelabLab();
    await upToTalos(lab);
    for (const name of ["infra", "apps", "ingress", "obs"]) {
      const { exitCode, lines } = await lab.step(name);
      expect(exitCode, lines.join("\n")).toBe(0);
      expect(lines.at(-1)).toBe(`step ${name}: done`);
    }
    const calls = await lab.calls();
    expect(calls).toContainEqual([
      "kubectl",
      "--kubeconfig",
      `${lab.checkout}/kubeconfig`,
      "apply",
      "--server-side",
      "--force-conflicts",
      "-f",
      `${lab.worktree}/kubernetes/bootstrap`,
    ]);
    expect(calls).toContainEqual([
      "flux",
      "--kubeconfig",
      `${lab.checkout}/kubeconfig`,
      "bootstrap",
      "git",
      `--url=${lab.lab.git.url}`,
      "--branch=main",
      "--path=kubernetes/flux/cluster",
      `--private-key-file=${lab.checkout}/deploy.key`,
      "--allow-insecure-http",
      "--silent",
    ]);
    expect(viewOf(readWorld(lab.lab.worldFile)).kubernetes.flux.bootstrapCalls).toBe(1);
  });

  it("stops infra for a human (exit 78) with Flux's clone error when the deploy key is refused", async () => {
    lab = await startHomelabLab();
    await upToTalos(lab);
    lab.lab.change((world) => {
      world.faults = { ...world.faults, fluxSshAuthFails: true };
    });
    const { exitCode, lines } = await lab.step("infra");
    expect(exitCode).toBe(78);
    expect(lines.at(-1)).toBe(
      `step infra failed: needs a human: the git server refuses the deploy key: add its public key to the repository's deploy keys: ✗ failed to clone repository: unable to clone '${lab.lab.git.url}': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain`,
    );
  });

  it("waits only for its own objects and names the one that is not Ready", async () => {
    lab = await startHomelabLab();
    await upToTalos(lab);
    expect((await lab.step("infra")).exitCode).toBe(0);
    lab.lab.change((world) => {
      world.faults = {
        ...world.faults,
        fluxNotReady: {
          "HelmRelease network/cloudflare-tunnel": "Helm upgrade failed: context deadline exceeded",
        },
        tunnelError:
          'Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13',
      };
    });
    expect((await lab.step("apps")).exitCode).toBe(0);
    const { exitCode, lines } = await lab.step("ingress");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      "step ingress failed: ingress: Kustomizations and HelmReleases Ready: HelmRelease network/cloudflare-tunnel is not Ready: Helm upgrade failed: context deadline exceeded",
    );
  });

  it("fails obs with the Prometheus target that is down", async () => {
    lab = await startHomelabLab();
    await upToTalos(lab);
    expect((await lab.step("infra")).exitCode).toBe(0);
    lab.lab.change((world) => {
      world.faults = { ...world.faults, prometheusTargetsDown: ["kube-etcd"] };
    });
    const { exitCode, lines } = await lab.step("obs");
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      'step obs failed: check prometheus-targets-up: Prometheus targets down: kube-etcd (Get "http://192.168.1.21:10257/metrics": dial tcp 192.168.1.21:10257: connect: connection refused)',
    );
  });
});

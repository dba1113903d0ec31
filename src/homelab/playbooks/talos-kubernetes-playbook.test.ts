import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import {
  kubernetesUnsupportedPlaybook,
  liveFactSource,
  type PlaybookFactSource,
  runPlaybooks,
} from "./index.ts";

const CLUSTER_PATH = "config/clusters/prox-n100.yaml";
/** What the lab's talosctl (as a Talos 1.12.4 node) says of a 1.36.0 control plane config. */
const REFUSAL =
  "error applying new configuration: rpc error: code = InvalidArgument desc = runtime configuration validation failed: 4 errors occurred:";
const KUBELET_LINE =
  "\t* kubelet image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.12.4";

const evidence = (...lines: string[]) => ({ lines, logTail: `${lines.join("\n")}\n` });
/** What the talos stage logs before an insecure apply, then the node's refusal. */
const MAINTENANCE =
  "talos: cp-1 (192.168.1.21): maintenance mode: applying talos/clusterconfig/prox-n100-cp-1.yaml with --insecure";
const withKubernetes = (version: string) =>
  EXAMPLE_CLUSTER_FILE.replace("version: v1.35.2", `version: ${version}`);
const isoFacts = (iso: string): PlaybookFactSource => ({
  storages: () => Promise.reject(new Error("not asked")),
  bridges: () => Promise.reject(new Error("not asked")),
  privileges: () => Promise.reject(new Error("not asked")),
  talosDisks: () => Promise.reject(new Error("not asked")),
  nodes: () => Promise.reject(new Error("not asked")),
  vmConfig: async (_text, node, vmid) =>
    node === "pve" && vmid === 121
      ? { ide2: `local:iso/talos-${iso}-0a1b2c3d4e5f6a7b.iso,media=cdrom` }
      : undefined,
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("the Kubernetes-unsupported playbook", () => {
  it("sets kubernetes.version to the newest Kubernetes the node's Talos supports, keeping the file's comments", async () => {
    const clusterText = withKubernetes("v1.36.0");
    const result = await kubernetesUnsupportedPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText, facts: isoFacts("v1.12.4") },
      evidence(MAINTENANCE, REFUSAL, KUBELET_LINE),
    );
    expect(result).toMatchObject({ kind: "changed" });
    if (result.kind === "changed") {
      expect(parseClusterFile(result.text, CLUSTER_PATH).kubernetes.version).toBe("v1.35.0");
      expect(result.text.replace("version: v1.35.0", "version: v1.36.0")).toBe(clusterText);
      expect(result.summary).toContain("Talos 1.12.4 refuses Kubernetes 1.36.0; use v1.35.0");
    }
  });

  it("picks a version both the ISO's Talos and the installed Talos accept", async () => {
    const result = await kubernetesUnsupportedPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText: withKubernetes("v1.36.0"), facts: isoFacts("v1.11.5") },
      evidence(
        MAINTENANCE,
        "\t* kubelet image is not valid: version of Kubernetes 1.36.0 is too new to be used with Talos 1.11.5",
      ),
    );
    expect(result.kind === "changed" && parseClusterFile(result.text, CLUSTER_PATH).kubernetes.version).toBe(
      "v1.34.0",
    );
  });

  it("leaves it to a human when a Talos in play is outside the support matrix", async () => {
    const result = await kubernetesUnsupportedPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText: withKubernetes("v1.36.0"), facts: isoFacts("v1.9.5") },
      evidence(MAINTENANCE, KUBELET_LINE),
    );
    expect(result).toEqual({
      kind: "no_change",
      reason:
        "no Kubernetes version is supported by every Talos in play: 1.12.4 (the node's refusal), v1.12.4 (talos.version), v1.9.5 (the ISO VM 121 (cp-1) booted); a human must align the Talos versions first",
    });
  });

  it("leaves a configured node's Kubernetes to a human: a running cluster is upgraded with upgrade-k8s", async () => {
    const result = await kubernetesUnsupportedPlaybook.attempt(
      { clusterPath: CLUSTER_PATH, clusterText: withKubernetes("v1.36.0"), facts: isoFacts("v1.12.4") },
      evidence(
        "error applying new configuration: rpc error: code = InvalidArgument desc = 1 error occurred:",
        KUBELET_LINE,
      ),
    );
    expect(result).toEqual({
      kind: "no_change",
      reason:
        "Talos 1.12.4 refuses Kubernetes 1.36.0 on a configured node: a running cluster's Kubernetes is upgraded with talosctl upgrade-k8s; a human must choose the version",
    });
  });

  it("does not match other image errors", () => {
    expect(
      kubernetesUnsupportedPlaybook.matches(
        evidence('kubelet image is not valid: failed to parse Kubernetes version from image reference "x"'),
      ),
    ).toBe(false);
  });

  it("learns the ISO from the lab's Proxmox and writes the fix into the worktree", async () => {
    const fixture = await startLabFixture();
    cleanups.push(() => fixture.close());
    fixture.change((world) => {
      world.proxmox.vms["121"] = {
        vmid: 121,
        node: "pve",
        name: "cp-1",
        status: "running",
        config: { name: "cp-1", ide2: "local:iso/talos-v1.12.4-0a1b2c3d4e5f6a7b.iso,media=cdrom" },
      };
    });
    const worktree = mkdtempSync(join(tmpdir(), "playbook-k8s-"));
    cleanups.push(() => rmSync(worktree, { recursive: true, force: true }));
    mkdirSync(join(worktree, "config", "clusters"), { recursive: true });
    writeFileSync(
      join(worktree, CLUSTER_PATH),
      withKubernetes("v1.36.0").replace("https://pve.lan:8006/api2/json", fixture.server.url),
    );
    const result = await runPlaybooks({
      worktree,
      evidence: evidence(MAINTENANCE, REFUSAL, KUBELET_LINE),
      facts: liveFactSource({ baseDir: tmpdir(), env: { PROXMOX_TOKEN_SECRET: fixture.token.secret } }),
    });
    expect(result).toMatchObject({ kind: "changed", playbook: "talos-kubernetes-unsupported" });
    expect(
      parseClusterFile(readFileSync(join(worktree, CLUSTER_PATH), "utf8"), CLUSTER_PATH).kubernetes.version,
    ).toBe("v1.35.0");
  });
});

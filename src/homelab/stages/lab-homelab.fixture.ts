import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { homelabGitContent, installFakeClis } from "../../../lab/fake-cli/index.ts";
import { type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { registerStepCommands } from "../../cli/commands/step.ts";
import { EXAMPLE_CLUSTER_FILE } from "../cluster-file/index.ts";

/**
 * For tests: a whole lab homelab. The lab Proxmox, the fake talosctl/kubectl/flux first on PATH
 * over the same world (with DHCP reservations so booted VMs answer at their node IPs), the user's
 * checkout (generated secrets land there) and a separate worktree the steps run in, holding the
 * example cluster file and the rendered CNI manifest.
 */
export interface HomelabLab {
  readonly lab: LabFixture;
  readonly checkout: string;
  readonly worktree: string;
  readonly callLog: string;
  readonly env: Record<string, string>;
  /** Runs `orchestrator step <args>` in the worktree; returns its lines and exit code. */
  step(...args: string[]): Promise<{ lines: string[]; exitCode: number }>;
  /** The argv of every fake CLI call so far, e.g. ["talosctl", "bootstrap", …]. */
  calls(): Promise<string[][]>;
}

export const CILIUM_MANIFEST = `apiVersion: v1
kind: ServiceAccount
metadata: { name: cilium, namespace: kube-system }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: cilium, namespace: kube-system }
spec:
  selector: { matchLabels: { k8s-app: cilium } }
  template:
    metadata: { labels: { k8s-app: cilium } }
    spec: { containers: [{ name: cilium-agent, image: "quay.io/cilium/cilium:v1.18.4" }] }
`;

export async function startHomelabLab(edit: (text: string) => string = (text) => text): Promise<HomelabLab> {
  const reservations = Object.fromEntries(
    [...EXAMPLE_CLUSTER_FILE.matchAll(/ip: ([\d.]+), mac: "([0-9a-f:]+)"/g)].map((m) => [
      m[2] ?? "",
      m[1] ?? "",
    ]),
  );
  const lab = await startLabFixture({ taskPolls: 0, dhcpReservations: reservations });
  lab.change((world) => {
    world.kubernetes = { ...world.kubernetes, git: homelabGitContent() };
  });
  const checkout = join(lab.dir, "checkout");
  const worktree = join(lab.dir, "worktree");
  const bin = join(lab.dir, "bin");
  const callLog = join(lab.dir, "cli-calls.jsonl");
  installFakeClis(bin, { worldFile: lab.worldFile, callLog });
  await mkdir(join(worktree, "config", "clusters"), { recursive: true });
  await mkdir(join(worktree, "kubernetes", "bootstrap"), { recursive: true });
  await mkdir(checkout, { recursive: true });
  const tokenFile = join(lab.dir, "proxmox-token");
  await writeFile(tokenFile, `${lab.token.secret}\n`);
  await writeFile(
    join(checkout, "deploy.key"),
    "-----BEGIN OPENSSH PRIVATE KEY-----\nlab\n-----END OPENSSH PRIVATE KEY-----\n",
  );
  const text = EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.server.url).replace(
    "  # tokenSecretFile: ~/.config/homelab/proxmox-token",
    `  tokenSecretFile: ${tokenFile}`,
  );
  await writeFile(join(worktree, "config", "clusters", "lab.yaml"), edit(text));
  await writeFile(join(worktree, "kubernetes", "bootstrap", "20-cilium.yaml"), CILIUM_MANIFEST);
  const env = {
    PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
    HOME: lab.dir,
    ORCHESTRATOR_REPO_ROOT: checkout,
    ORCHESTRATOR_POLL_INTERVAL_MS: "0",
    ORCHESTRATOR_POLL_ATTEMPTS: "12",
  };
  return {
    lab,
    checkout,
    worktree,
    callLog,
    env,
    async step(...args) {
      const output: string[] = [];
      const program = new Command().exitOverride();
      registerStepCommands(program, { cwd: () => worktree, env, write: (chunk) => output.push(chunk) });
      process.exitCode = undefined;
      await program.parseAsync(["step", ...args], { from: "user" });
      const exitCode = Number(process.exitCode ?? 0);
      process.exitCode = undefined;
      return { lines: output.join("").trimEnd().split("\n"), exitCode };
    },
    async calls() {
      const text = await readFile(callLog, "utf8").catch(() => "");
      return text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
    },
  };
}

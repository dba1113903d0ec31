import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EXAMPLE_CLUSTER_FILE } from "../../src/homelab/cluster-file/index.ts";
import { installFakeClis } from "../fake-cli/index.ts";
import { type LabProxmoxServer, type LabToken, startLabProxmoxServer } from "../proxmox-server/index.ts";
import { type LabWorldOptions, newLabWorld, updateWorld, type World, writeWorld } from "../world/index.ts";

/**
 * The sandbox lab: a whole homelab on one machine. A loopback Proxmox VE API and fake
 * talosctl/kubectl/flux executables share one world file, so VMs the stage creates boot into
 * Talos nodes the fakes answer for. Used by `orchestrator demo` and by the lab-wide tests.
 */
export interface SandboxLab {
  readonly dir: string;
  readonly worldFile: string;
  readonly proxmox: LabProxmoxServer;
  readonly token: LabToken;
  /** Holds the Proxmox token secret, outside any repo. */
  readonly tokenFile: string;
  readonly binDir: string;
  /** Every fake CLI call, one JSON argv per line. */
  readonly callLog: string;
  /** What a stage needs on top of the user's environment: the fakes first on PATH, fast polling. */
  readonly env: Record<string, string>;
  /** The example cluster file, pointed at this lab's Proxmox and token file. */
  clusterFile(): string;
  change(edit: (world: World) => void): void;
  close(): Promise<void>;
}

export const LAB_TOKEN: LabToken = {
  id: "automation@pve!orchestrator",
  secret: "6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50",
};

/** The CNI the infra stage applies from kubernetes/bootstrap/ (cluster-template renders one like it). */
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

/** A stand-in deploy key for `flux bootstrap`; the fake flux only checks that it exists. */
export const LAB_DEPLOY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nlab\n-----END OPENSSH PRIVATE KEY-----\n";

/** How `lab up` brings a lab back: the world it left (VMs, nodes, cluster) and the same port. */
export interface SandboxRestart {
  /** Keep `dir/world.json` when it exists instead of seeding a new world. */
  readonly keepWorld?: boolean;
  /** The Proxmox API's port (default: any free one), so cluster files naming it still work. */
  readonly port?: number;
}

export async function startSandboxLab(
  dir: string,
  world: Omit<LabWorldOptions, "dhcpReservations"> = {},
  restart: SandboxRestart = {},
): Promise<SandboxLab> {
  await mkdir(dir, { recursive: true });
  // The example's nodes get their IPs by DHCP reservation, as on a real LAN.
  const dhcpReservations = Object.fromEntries(
    [...EXAMPLE_CLUSTER_FILE.matchAll(/ip: ([\d.]+), mac: "([0-9a-f:]+)"/g)].map((m) => [
      m[2] ?? "",
      m[1] ?? "",
    ]),
  );
  const worldFile = join(dir, "world.json");
  if (!(restart.keepWorld && existsSync(worldFile))) {
    writeWorld(worldFile, newLabWorld({ taskPolls: 0, ...world, dhcpReservations }));
  }
  const proxmox = await startLabProxmoxServer({
    worldFile,
    token: LAB_TOKEN,
    ...(restart.port === undefined ? {} : { port: restart.port }),
  });
  const tokenFile = join(dir, "proxmox-token");
  await writeFile(tokenFile, `${LAB_TOKEN.secret}\n`, { mode: 0o600 });
  const binDir = join(dir, "bin");
  const callLog = join(dir, "cli-calls.jsonl");
  const fakes = await installFakeClis(binDir, { worldFile, callLog });
  return {
    dir,
    worldFile,
    proxmox,
    token: LAB_TOKEN,
    tokenFile,
    binDir,
    callLog,
    env: {
      PATH: `${binDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
      LAB_WORLD: worldFile,
      ORCHESTRATOR_POLL_INTERVAL_MS: "0",
      ORCHESTRATOR_POLL_ATTEMPTS: "12",
    },
    clusterFile: () =>
      EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", proxmox.url).replace(
        "  # tokenSecretFile: ~/.config/homelab/proxmox-token",
        `  tokenSecretFile: ${tokenFile}`,
      ),
    change: (edit) => updateWorld(worldFile, edit),
    close: async () => {
      await Promise.all([proxmox.close(), fakes.close()]);
    },
  };
}

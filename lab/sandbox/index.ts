import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists } from "../../src/adapters/state-store/atomic-file.ts";
import { EXAMPLE_CLUSTER_FILE } from "../../src/homelab/cluster-file/index.ts";
import { installFakeClis } from "../fake-cli/index.ts";
import { type GitHttpServer, startGitHttpServer } from "../gitops/git-http.ts";
import { type PullRequestServer, startPullRequestServer } from "../gitops/pull-request-server.ts";
import { type LabProxmoxServer, type LabToken, startLabProxmoxServer } from "../proxmox-server/index.ts";
import { type LabWorldOptions, newLabWorld, updateWorld, type World, writeWorld } from "../world/index.ts";
import { type FluxTreeFiles, labFluxTree } from "./flux-tree.ts";

/**
 * The sandbox lab: a whole homelab on one machine. A loopback Proxmox VE API and fake
 * talosctl/kubectl/flux executables share one world file, so VMs the stage creates boot into
 * Talos nodes the fakes answer for. A git server on loopback (smart HTTP, as a LAN Gitea) serves
 * the homelab's remote (an empty bare repo the user pushes `main` to; Flux syncs it), and a
 * loopback forge offers pull requests on it.
 * Used by `orchestrator demo`, `qualify` and the lab-wide tests.
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
  /** The homelab's remote, served over HTTP on loopback; Flux syncs its `main`. */
  readonly git: LabGitRemote;
  /** The pull-request host of that remote (GitHub's REST shape). */
  readonly forge: LabForge;
  /** The example cluster file, pointed at this lab's Proxmox, token file and git remote. */
  clusterFile(): string;
  /** The lab's Flux tree (flux-tree.ts), its GitRepository pointed at `git.url`. */
  fluxTree(): FluxTreeFiles;
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

export interface LabGitRemote {
  /** `http://127.0.0.1:<port>/lab/homelab.git`: `git remote add origin <url>`, then `git push origin main`. */
  readonly url: string;
  /** The bare repository's folder. */
  readonly bareRepo: string;
}

export interface LabForge {
  readonly server: PullRequestServer;
  /** The API root, as GITOPS_API_URL. */
  readonly apiUrl: string;
  /** owner/name of the homelab repo, as GITOPS_REPO. */
  readonly repo: string;
  readonly token: string;
  /** What GitOps delivery needs (src/adapters/gitops/config.ts) to offer fixes on this forge. */
  env(approval: "propose" | "auto"): Record<string, string>;
}

export const LAB_REPO = "lab/homelab";
/** The forge's API token; a lab-only value, never a real credential. */
export const LAB_FORGE_TOKEN = "lab-forge-token-0f3e9a";

/** A stand-in deploy key for `flux bootstrap`; the fake flux only checks that it exists. */
export const LAB_DEPLOY_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nlab\n-----END OPENSSH PRIVATE KEY-----\n";

/** How `lab up` brings a lab back: the world it left (VMs, nodes, cluster) and the same port. */
export interface SandboxRestart {
  /**
   * Keep `dir/world.json` when it exists instead of seeding a new world, and serve the git remote
   * (what was pushed to it) on the port it had.
   */
  readonly keepWorld?: boolean;
  /** The Proxmox API's port (default: any free one), so cluster files naming it still work. */
  readonly port?: number;
}

/** The Flux remote the example cluster file names, replaced by the lab's. */
const EXAMPLE_FLUX_URL = "ssh://git@github.com/me/home-ops.git";

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
  const gitBase = join(dir, "git");
  await mkdir(gitBase, { recursive: true });
  // A lab brought back serves its remote at the same URL: the repo's cluster file and
  // gotk-sync.yaml name it.
  const portFile = join(gitBase, "port");
  const gitPort = restart.keepWorld ? await previousPort(portFile) : 0;
  let gitServer: GitHttpServer | undefined;
  let server: PullRequestServer | undefined;
  try {
    gitServer = await startGitHttpServer(gitBase, gitPort);
    await writeFile(portFile, `${new URL(gitServer.baseUrl).port}\n`);
    const bareRepo = join(gitBase, `${LAB_REPO}.git`);
    // A lab brought back keeps what was pushed to it.
    const url = existsSync(bareRepo)
      ? `${gitServer.baseUrl}${LAB_REPO}.git`
      : await gitServer.createRepo(LAB_REPO);
    server = await startPullRequestServer({
      flavor: "github",
      token: LAB_FORGE_TOKEN,
      repos: { [LAB_REPO]: bareRepo },
    });
    return sandboxLab(
      { dir, worldFile, proxmox, tokenFile, binDir, callLog, git: { url, bareRepo }, server },
      [() => proxmox.close(), () => fakes.close(), () => gitServer?.close(), () => server?.close()],
    );
  } catch (error) {
    await Promise.all([proxmox.close(), fakes.close(), gitServer?.close(), server?.close()]);
    throw error;
  }
}

async function previousPort(file: string): Promise<number> {
  return Number.parseInt((await readIfExists(file)) ?? "", 10) || 0;
}

function sandboxLab(
  parts: {
    dir: string;
    worldFile: string;
    proxmox: LabProxmoxServer;
    tokenFile: string;
    binDir: string;
    callLog: string;
    git: LabGitRemote;
    server: PullRequestServer;
  },
  closers: readonly (() => Promise<void> | undefined)[],
): SandboxLab {
  const { dir, worldFile, proxmox, tokenFile, binDir, callLog, git, server } = parts;
  const forge: LabForge = {
    server,
    apiUrl: server.apiUrl,
    repo: LAB_REPO,
    token: LAB_FORGE_TOKEN,
    env: (approval) => ({
      GITOPS_APPROVAL: approval,
      GITOPS_FORGE: "github",
      GITOPS_API_URL: server.apiUrl,
      GITOPS_REPO: LAB_REPO,
      GITOPS_TOKEN: LAB_FORGE_TOKEN,
    }),
  };
  return {
    dir,
    worldFile,
    proxmox,
    token: LAB_TOKEN,
    tokenFile,
    binDir,
    callLog,
    git,
    forge,
    env: {
      PATH: `${binDir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
      LAB_WORLD: worldFile,
      ORCHESTRATOR_POLL_INTERVAL_MS: "0",
      ORCHESTRATOR_POLL_ATTEMPTS: "12",
    },
    clusterFile: () =>
      EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", proxmox.url)
        .replace("  # tokenSecretFile: ~/.config/homelab/proxmox-token", `  tokenSecretFile: ${tokenFile}`)
        .replace(EXAMPLE_FLUX_URL, git.url),
    fluxTree: () => labFluxTree(git.url),
    change: (edit) => updateWorld(worldFile, edit),
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CILIUM_MANIFEST,
  LAB_DEPLOY_KEY,
  type SandboxLab,
  startSandboxLab,
} from "../../../lab/sandbox/index.ts";
import { runForLines } from "../../../test/helpers/cli.ts";

/**
 * For tests: a whole lab homelab. The lab Proxmox, the fake talosctl/kubectl/flux first on PATH
 * over the same world (with DHCP reservations so booted VMs answer at their node IPs), the user's
 * checkout (generated secrets land there) and a separate worktree the steps run in, holding the
 * example cluster file and the rendered CNI manifest.
 */
export interface HomelabLab {
  readonly lab: SandboxLab;
  readonly checkout: string;
  readonly worktree: string;
  readonly callLog: string;
  readonly env: Record<string, string>;
  /** Runs `orchestrator step <args>` in the worktree; returns its lines and exit code. */
  step(...args: string[]): Promise<{ lines: string[]; exitCode: number }>;
  /** The argv of every fake CLI call so far, e.g. ["talosctl", "bootstrap", …]. */
  calls(): Promise<string[][]>;
}

export async function startHomelabLab(edit: (text: string) => string = (text) => text): Promise<HomelabLab> {
  const dir = await mkdtemp(join(tmpdir(), "lab-homelab-"));
  const sandbox = await startSandboxLab(dir);
  const lab: SandboxLab = {
    ...sandbox,
    close: async () => {
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const checkout = join(dir, "checkout");
  const worktree = join(dir, "worktree");
  const callLog = lab.callLog;
  await mkdir(join(worktree, "config", "clusters"), { recursive: true });
  await mkdir(join(worktree, "kubernetes", "bootstrap"), { recursive: true });
  await mkdir(checkout, { recursive: true });
  await writeFile(join(checkout, "deploy.key"), LAB_DEPLOY_KEY);
  await writeFile(join(worktree, "config", "clusters", "lab.yaml"), edit(lab.clusterFile()));
  await writeFile(join(worktree, "kubernetes", "bootstrap", "20-cilium.yaml"), CILIUM_MANIFEST);
  const env = { ...lab.env, HOME: dir, ORCHESTRATOR_REPO_ROOT: checkout };
  return {
    lab,
    checkout,
    worktree,
    callLog,
    env,
    step(...args) {
      return runForLines(["step", ...args], worktree, env);
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

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CILIUM_MANIFEST,
  LAB_DEPLOY_KEY,
  type SandboxLab,
  startSandboxLab,
} from "../../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../../lab/sandbox/publish.ts";
import { runForLines } from "../../../test/helpers/cli.ts";
import { git } from "../../adapters/git/index.ts";

/**
 * For tests: a whole lab homelab. The lab Proxmox, the fake talosctl/kubectl/flux first on PATH
 * over the same world (with DHCP reservations so booted VMs answer at their node IPs), the user's
 * checkout (generated secrets land there) and a separate worktree the steps run in, holding the
 * example cluster file, the rendered CNI manifest and the lab's Flux tree, committed on `main` and
 * pushed to the lab's git server, which Flux syncs.
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
  await mkdir(checkout, { recursive: true });
  await writeFile(join(checkout, "deploy.key"), LAB_DEPLOY_KEY);
  await writeRepoFiles(worktree, [
    ["config/clusters/lab.yaml", edit(lab.clusterFile())],
    ["kubernetes/bootstrap/20-cilium.yaml", CILIUM_MANIFEST],
    ...Object.entries(lab.fluxTree()),
  ]);
  const env = { ...lab.env, HOME: dir, ORCHESTRATOR_REPO_ROOT: checkout };
  const identity = {
    ...env,
    GIT_AUTHOR_NAME: "Lab",
    GIT_AUTHOR_EMAIL: "lab@lab.lan",
    GIT_COMMITTER_NAME: "Lab",
    GIT_COMMITTER_EMAIL: "lab@lab.lan",
  };
  await git(["init", "--quiet", "--initial-branch", "main"], { cwd: worktree, env: identity });
  await git(["add", "-A"], { cwd: worktree, env: identity });
  await git(["commit", "--quiet", "-m", "homelab"], { cwd: worktree, env: identity });
  await publishToLab(worktree, lab, identity);
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

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LAB_TOKEN, type SandboxLab, startSandboxLab } from "../../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../../lab/sandbox/publish.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { runInProcess } from "../../../test/helpers/cli.ts";
import { GIT_ENV } from "../../../test/helpers/homelab-repo.ts";
import { git } from "../../adapters/git/index.ts";
import { EXAMPLE_CLUSTER_FILE } from "../../homelab/cluster-file/index.ts";
import { STEPS } from "../../homelab/stages/step.ts";
import { STEP_NAMES } from "../command-table.ts";

let lab: SandboxLab | undefined;

afterEach(async () => {
  await lab?.close();
  if (lab) {
    await rm(lab.dir, { recursive: true, force: true });
  }
  lab = undefined;
});

/**
 * A homelab repo in the sandbox lab's temp folder with a cluster file pointing at the lab
 * Proxmox and the lab's Flux tree, committed on main and pushed to the lab's git server as a
 * user would; the booted VMs answer as Talos nodes through the lab's fake talosctl.
 */
async function setUp(edit: (text: string) => string = (text) => text) {
  lab = await startSandboxLab(await mkdtemp(join(tmpdir(), "step-vms-")));
  const secretFile = join(lab.dir, "proxmox-token");
  await writeFile(secretFile, `${lab.token.secret}\n`);
  const repo = join(lab.dir, "repo");
  await mkdir(join(repo, "config", "clusters"), { recursive: true });
  const text = EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.proxmox.url).replace(
    "  # tokenSecretFile: ~/.config/homelab/proxmox-token",
    `  tokenSecretFile: ${secretFile}`,
  );
  await writeFile(join(repo, "config", "clusters", "lab.yaml"), edit(text));
  await writeRepoFiles(repo, Object.entries(lab.fluxTree()));
  const identity = { ...GIT_ENV };
  await git(["init", "--quiet", "--initial-branch", "main"], { cwd: repo, env: identity });
  await git(["add", "-A"], { cwd: repo, env: identity });
  await git(["commit", "--quiet", "-m", "homelab"], { cwd: repo, env: identity });
  await publishToLab(repo, lab, identity);
  return { lab, repo };
}

let exitCode: number;
let stderr: string;

/** The step's output lines; its exit code and standard error land in `exitCode` and `stderr`. */
async function step(repo: string, args: string[], env: Record<string, string> = {}) {
  const result = await runInProcess(["step", ...args], repo, { env: { ...lab?.env, ...env } });
  exitCode = result.code;
  stderr = result.stderr;
  return result.stdout.trimEnd().split("\n");
}

describe("orchestrator step vms", () => {
  it("creates and starts the VMs of the only cluster file and exits 0", async () => {
    const { lab, repo } = await setUp();
    const lines = await step(repo, ["vms"]);
    expect(exitCode).toBe(0);
    expect(lines.at(-1)).toBe("step vms: done");
    expect(lines).toContain("vms: 4 VMs running (created 4, started 0, adopted 0, unchanged 0)");
    expect(Object.values(readWorld(lab.worldFile).proxmox.vms).every((vm) => vm.status === "running")).toBe(
      true,
    );
  });

  it("reads the token secret from the environment variable the file names", async () => {
    const { lab, repo } = await setUp((text) => text.replace(/ {2}tokenSecretFile: .*\n/, ""));
    const lines = await step(repo, ["vms", "--cluster", "config/clusters/lab.yaml"], {
      PROXMOX_TOKEN_SECRET: lab.token.secret,
    });
    expect(lines.at(-1)).toBe("step vms: done");
  });

  it("refuses to run without the token secret with exit 78, which stops the loop as needs_human", async () => {
    const { lab, repo } = await setUp((text) => text.replace(/ {2}tokenSecretFile: .*\n/, ""));
    await step(repo, ["vms"]);
    expect(exitCode).toBe(78);
    expect(stderr).toBe(
      "orchestrator: PROXMOX_TOKEN_SECRET is not set: export it with the secret of the API token automation@pve!orchestrator (or set proxmox.tokenSecretFile)\n",
    );
    expect(lab.proxmox.requests).toEqual([]);
  });

  it("refuses a bad cluster file with one line naming file, line and field, exit 1 (a fix to the file repairs it), and touches nothing", async () => {
    const { lab, repo } = await setUp((text) => text.replace("ip: 192.168.1.22", "ip: 192.168.1.21"));
    await step(repo, ["vms", "--cluster", "config/clusters/lab.yaml"]);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(
      /^orchestrator: config\/clusters\/lab\.yaml:\d+: nodes\.1\.ip: 192\.168\.1\.21 is already used by node cp-1\n$/,
    );
    expect(lab.proxmox.requests).toEqual([]);
  });

  it("stops for a human (exit 78) on a token secret written into the cluster file, without quoting it", async () => {
    const { lab, repo } = await setUp((text) =>
      text.replace(/ {2}tokenSecretFile: .*\n/, `  tokenSecret: ${LAB_TOKEN.secret}\n`),
    );
    await step(repo, ["vms", "--cluster", "config/clusters/lab.yaml"]);
    expect(exitCode).toBe(78);
    expect(stderr).toMatch(
      /^orchestrator: config\/clusters\/lab\.yaml:\d+: proxmox\.tokenSecret: the token secret must not be written/,
    );
    expect(stderr).not.toContain(lab.token.secret);
    expect(lab.proxmox.requests).toEqual([]);
  });

  it("exits 78 (a human must act) quoting the task's log when QEMU finds no bridge the node lists", async () => {
    const { lab, repo } = await setUp();
    lab.change((world) => {
      world.faults.bridgeMissingInTask.push("vmbr0");
    });
    const lines = await step(repo, ["vms"]);
    expect(exitCode).toBe(78);
    expect(lines).toContain("  bridge 'vmbr0' does not exist");
    expect(lines.at(-1)).toBe(
      "step vms failed: needs a human: the bridge is in /etc/network/interfaces but not up on the node: apply the network configuration there: proxmox: task qmstart of 121 on pve failed: start failed: QEMU exited with code 1: bridge 'vmbr0' does not exist",
    );
  });

  it("exits 1 naming the missing storage before any task", async () => {
    const { repo } = await setUp((text) => text.replace("storage: local-lvm", "storage: local-zfs"));
    const lines = await step(repo, ["vms"]);
    expect(exitCode).toBe(1);
    expect(lines.at(-1)).toBe(
      'step vms failed: proxmox: storage "local-zfs" does not exist on node pve (it has: local, local-lvm); set proxmox.storage',
    );
  });

  it("works on the folder -C names, from anywhere", async () => {
    const { lab, repo } = await setUp();
    const result = await runInProcess(["-C", repo, "step", "vms"], tmpdir(), { env: lab.env });
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("step vms: done");
  });

  it("names the known steps when asked for an unknown one", async () => {
    const { repo } = await setUp();
    await step(repo, ["tlaos"]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe('orchestrator: unknown step "tlaos"; steps: vms, talos, infra, apps, ingress, obs\n');
  });

  it("lists in --help exactly the steps there are", async () => {
    expect(Object.keys(STEPS)).toEqual([...STEP_NAMES]);
    const help = await runInProcess(["step", "--help"], tmpdir());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`the step: ${Object.keys(STEPS).join(", ")}`);
  });
});

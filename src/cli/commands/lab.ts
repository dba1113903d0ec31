import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { LAB_STATE_FILE, LabState } from "../../../lab/sandbox/lab-state.ts";
import { startDetached } from "../../adapters/process/index.ts";
import { readIfExists } from "../../adapters/state-store/atomic-file.ts";
import { RuntimeFailure, UserError } from "../../errors/index.ts";
import type { CliIO } from "../io.ts";

type LabOptions = { dir?: string; port?: string };

/**
 * `orchestrator lab up|down|status [--dir DIR]`: the sandbox lab (a loopback Proxmox VE API and
 * fake talosctl/kubectl/flux sharing one world file) as a background process, to explore and to
 * try a stage by hand. `up` prints what to export; the lab keeps its world between up and down.
 */
export async function up(_args: [], options: LabOptions, io: CliIO): Promise<number> {
  const dir = labDir(options, io);
  const running = await runningLab(dir);
  if (running) {
    io.stdout.write(`lab is already up (pid ${running.pid}) in ${dir}\n${exports(running)}`);
    return 0;
  }
  const entry = serveEntry();
  await mkdir(dir, { recursive: true });
  const child = startDetached([process.execPath, entry, dir, ...(options.port ? [options.port] : [])], {
    cwd: dir,
    logFile: join(dir, "lab.log"),
  });
  for (let waited = 0; waited < 15_000; waited += 100) {
    const state = await runningLab(dir);
    if (state) {
      io.stdout.write(
        `lab up: Proxmox VE API at ${state.url} (pid ${state.pid}); fake talosctl, kubectl and flux in ${state.binDir}\n` +
          `a cluster file for this lab: ${state.clusterFile} (copy it to config/clusters/ to try the built-in stages)\n` +
          `the homelab remote Flux syncs: ${state.gitUrl} (git remote add origin ${state.gitUrl} && git push origin main)\n` +
          `pull requests on it: ${state.forgeApiUrl} (GitHub's API; set GITOPS_APPROVAL=propose or auto to deliver fixes there)\n` +
          `to use it in this shell:\n${exports(state)}stop it with: orchestrator lab down${options.dir ? ` --dir ${dir}` : ""}\n`,
      );
      return 0;
    }
    if (child.exited()) {
      break;
    }
    await sleep(100);
  }
  throw new RuntimeFailure(`the lab did not start; its output is in ${join(dir, "lab.log")}`);
}

export async function down(_args: [], options: LabOptions, io: CliIO): Promise<number> {
  const dir = labDir(options, io);
  const state = await runningLab(dir);
  if (!state) {
    io.stdout.write(`lab is not running in ${dir}\n`);
    return 0;
  }
  process.kill(state.pid, "SIGTERM");
  for (let waited = 0; waited < 10_000 && alive(state.pid); waited += 100) {
    await sleep(100);
  }
  if (alive(state.pid)) {
    throw new RuntimeFailure(`the lab (pid ${state.pid}) did not stop within 10s`);
  }
  io.stdout.write(`lab down: stopped pid ${state.pid}; its world stays in ${state.worldFile}\n`);
  return 0;
}

export async function status(_args: [], options: LabOptions, io: CliIO): Promise<number> {
  const dir = labDir(options, io);
  const state = await runningLab(dir);
  if (!state) {
    io.stdout.write(`lab is down (${dir}); start it with: orchestrator lab up\n`);
    return 1;
  }
  io.stdout.write(
    `lab is up since ${state.startedAt}: Proxmox VE API at ${state.url} (pid ${state.pid}), git remote ${state.gitUrl}, forge ${state.forgeApiUrl}\n${exports(state)}`,
  );
  return 0;
}

/** `--dir`, or one folder per user under XDG_STATE_HOME (~/.local/state). */
function labDir(options: LabOptions, io: CliIO): string {
  if (options.dir) {
    return resolve(io.cwd, options.dir);
  }
  const stateHome = io.env["XDG_STATE_HOME"] || join(homedir(), ".local", "state");
  return join(stateHome, "homelab-orchestrator", "lab");
}

/** The lab's state when its process is alive; a state file a killed lab left is ignored. */
async function runningLab(dir: string): Promise<LabState | undefined> {
  const text = await readIfExists(join(dir, LAB_STATE_FILE));
  if (text === undefined) {
    return undefined;
  }
  const state = LabState.parse(JSON.parse(text));
  return alive(state.pid) ? state : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") {
      return false;
    }
    throw error;
  }
}

function exports(state: LabState): string {
  const quote = (value: string) =>
    value.endsWith(":$PATH") ? `"${value}"` : `'${value.replaceAll("'", "'\\''")}'`;
  return Object.entries(state.env)
    .map(([name, value]) => `  export ${name}=${quote(value)}\n`)
    .join("");
}

/** The compiled lab process (dist/lab/sandbox/serve.js beside dist/src); the TypeScript sources cannot run it. */
function serveEntry(): string {
  const entry = fileURLToPath(new URL("../../../lab/sandbox/serve.js", import.meta.url));
  if (!import.meta.url.endsWith(".js") || !existsSync(entry)) {
    throw new UserError(`lab up needs the built CLI (${entry} is missing): run npm run build`);
  }
  return entry;
}

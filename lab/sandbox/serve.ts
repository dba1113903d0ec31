import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startSandboxLab } from "./index.ts";
import { LAB_STATE_FILE, type LabState } from "./lab-state.ts";

/**
 * `node dist/lab/sandbox/serve.js <dir> [port]`: the sandbox lab as a process of its own, what
 * `orchestrator lab up` starts in the background. It keeps a world the folder already has (so a
 * lab `demo --keep` left comes back as it was), writes `<dir>/lab.json` once the Proxmox API
 * listens, and removes it when stopped (SIGTERM or SIGINT).
 */
const [dir, portText] = process.argv.slice(2);
if (!dir) {
  process.stderr.write("usage: serve.js <dir> [port]\n");
  process.exit(2);
}
const lab = await startSandboxLab(
  dir,
  {},
  { keepWorld: true, ...(portText ? { port: Number(portText) } : {}) },
);
const clusterFile = join(dir, "cluster.yaml");
await writeFile(clusterFile, lab.clusterFile());
const state: LabState = {
  pid: process.pid,
  url: lab.proxmox.url,
  startedAt: new Date().toISOString(),
  binDir: lab.binDir,
  worldFile: lab.worldFile,
  tokenFile: lab.tokenFile,
  clusterFile,
  gitUrl: lab.git.url,
  forgeApiUrl: lab.forge.apiUrl,
  // GitOps delivery's forge settings; GITOPS_APPROVAL (propose or auto) stays the user's choice.
  env: {
    ...lab.env,
    PROXMOX_TOKEN_SECRET: lab.token.secret,
    PATH: `${lab.binDir}:$PATH`,
    ...withoutApproval(lab.forge.env("propose")),
  },
};
await writeFile(join(dir, LAB_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void lab
      .close()
      .then(() => rm(join(dir, LAB_STATE_FILE), { force: true }))
      .then(() => process.exit(0));
  });
}

function withoutApproval(env: Record<string, string>): Record<string, string> {
  const { GITOPS_APPROVAL: _chosenByTheUser, ...rest } = env;
  return rest;
}

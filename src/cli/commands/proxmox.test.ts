import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LAB_TOKEN, type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { runInProcess } from "../../../test/helpers/cli.ts";
import { EXAMPLE_CLUSTER_FILE } from "../../homelab/cluster-file/index.ts";
import { ProxmoxClient } from "../../homelab/proxmox/index.ts";

const AUDITOR = {
  id: "auditor@pve!diagnostics",
  secret: "3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  role: "auditor",
} as const;
const CONTEXT_MAP = `version: 1
diagnostics_credentials:
  proxmox_token_id: auditor@pve!diagnostics
  proxmox_token_secret_env: PROXMOX_AUDITOR_TOKEN_SECRET
stages:
  vms:
    command: orchestrator step vms
    diagnostics: ["orchestrator proxmox get"]
`;

let lab: LabFixture;
let repo: string;

beforeEach(async () => {
  lab = await startLabFixture({ extraTokens: [AUDITOR] });
  repo = join(lab.dir, "homelab");
  await mkdir(join(repo, "config", "clusters"), { recursive: true });
  await mkdir(join(repo, "ai"), { recursive: true });
  await writeFile(
    join(repo, "config", "clusters", "lab.yaml"),
    EXAMPLE_CLUSTER_FILE.replace("https://pve.lan:8006/api2/json", lab.server.url),
  );
  await writeFile(join(repo, "ai", "context_map.yaml"), CONTEXT_MAP);
});

afterEach(async () => {
  await lab.close();
});

let stderr: string;

/** Standard output and exit code; standard error lands in `stderr`. */
async function proxmoxGet(env: Record<string, string>, ...args: string[]) {
  const result = await runInProcess(["proxmox", "get", ...args], repo, { env });
  stderr = result.stderr;
  return { text: result.stdout, exitCode: result.code };
}

async function createVm121(): Promise<void> {
  const admin = new ProxmoxClient({
    endpoint: lab.server.url,
    tokenId: LAB_TOKEN.id,
    tokenSecret: LAB_TOKEN.secret,
  });
  const upid = await admin.createVm("pve", {
    vmid: 121,
    name: "cp-1",
    tags: "homelab-orchestrator",
    net0: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
  });
  await admin.waitForTask(upid, { pollMs: 0 });
}

describe("orchestrator proxmox get", () => {
  it("prints the data of one read-only path as JSON, with the stage's token when no auditor secret is set", async () => {
    await createVm121();
    const result = await proxmoxGet({ PROXMOX_TOKEN_SECRET: LAB_TOKEN.secret }, "/nodes/pve/qemu/121/config");
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.text)).toMatchObject({
      name: "cp-1",
      tags: "homelab-orchestrator",
      net0: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
    });
    expect(result.text).toContain('\n  "name": "cp-1",\n');
    expect(lab.server.requests.at(-1)).toMatchObject({ method: "GET", path: "/nodes/pve/qemu/121/config" });
  });

  it("passes the documented query parameters on", async () => {
    await createVm121();
    const env = { PROXMOX_TOKEN_SECRET: LAB_TOKEN.secret };
    const result = await proxmoxGet(env, "/nodes/pve/tasks?vmid=121&limit=5");
    expect(JSON.parse(result.text)).toEqual([expect.objectContaining({ type: "qmcreate", id: "121" })]);
    expect(lab.server.requests.at(-1)).toMatchObject({
      path: "/nodes/pve/tasks",
      params: { vmid: "121", limit: "5" },
    });
  });

  it("uses the context map's auditor token when its secret is in the environment", async () => {
    // The stage's secret is absent: the call can only succeed with the auditor token.
    const result = await proxmoxGet(
      { PROXMOX_AUDITOR_TOKEN_SECRET: AUDITOR.secret },
      "/cluster/resources?type=vm",
    );
    expect(result).toEqual({ text: "[]\n", exitCode: 0 });
  });

  it("shows that it chose the auditor token when Proxmox refuses that token", async () => {
    const result = await proxmoxGet(
      {
        PROXMOX_TOKEN_SECRET: LAB_TOKEN.secret,
        PROXMOX_AUDITOR_TOKEN_SECRET: "00000000-0000-0000-0000-000000000000",
      },
      "/version",
    );
    expect(result).toEqual({
      text: "proxmox: GET /version: 401 invalid token value!: the API token was refused; check proxmox.tokenId and the token secret\n",
      exitCode: 1,
    });
  });

  it("prints Proxmox's error line and exits 1 when the API refuses the read", async () => {
    const result = await proxmoxGet(
      { PROXMOX_TOKEN_SECRET: LAB_TOKEN.secret },
      "/nodes/pve/qemu/199/status/current",
    );
    expect(result).toEqual({
      text: "proxmox: GET /nodes/pve/qemu/199/status/current: 500 Configuration file 'nodes/pve/qemu-server/199.conf' does not exist\n",
      exitCode: 1,
    });
  });

  it("refuses a path off the read-only list with exit 2, before it reads a secret or sends anything", async () => {
    expect(await proxmoxGet({}, "/nodes/pve/qemu/121/status/stop")).toEqual({ text: "", exitCode: 2 });
    expect(stderr).toBe(
      `orchestrator: proxmox get /nodes/pve/qemu/121/status/stop: /nodes/pve/qemu/121/status/stop is not on the list of read-only Proxmox API paths (/version, /nodes, /nodes/{node}/qemu, /nodes/{node}/qemu/{vmid}/status/current, /nodes/{node}/qemu/{vmid}/config, /nodes/{node}/tasks, /nodes/{node}/tasks/{upid}/status, /nodes/{node}/tasks/{upid}/log, /nodes/{node}/storage, /nodes/{node}/storage/{storage}/content, /nodes/{node}/network, /cluster/resources)\n`,
    );
    expect((await proxmoxGet({}, "/access/users")).exitCode).toBe(2);
    expect(stderr).toContain("/access/users is not on the list");
    expect(lab.server.requests).toEqual([]);
  });

  it("says which secret is missing when neither token has one", async () => {
    expect((await proxmoxGet({}, "/version")).exitCode).toBe(2);
    expect(stderr).toBe(
      "orchestrator: PROXMOX_TOKEN_SECRET is not set: export it with the secret of the API token automation@pve!orchestrator (or set proxmox.tokenSecretFile)\n",
    );
  });

  it("refuses a bad cluster file with its file, line and field", async () => {
    await writeFile(
      join(repo, "config", "clusters", "lab.yaml"),
      EXAMPLE_CLUSTER_FILE.replace('mac: "bc:24:11:00:00:22"', 'mac: "bc:24:11:00:00:2"'),
    );
    expect((await proxmoxGet({ PROXMOX_TOKEN_SECRET: LAB_TOKEN.secret }, "/version")).exitCode).toBe(2);
    expect(stderr).toMatch(/^orchestrator: config\/clusters\/lab\.yaml:\d+: nodes\.1\.mac: [^\n]*\n$/);
  });
});

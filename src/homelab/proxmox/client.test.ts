import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LAB_TOKEN, type LabFixture, startLabFixture } from "../../../lab/proxmox-server/lab-fixture.ts";
import { readWorld } from "../../../lab/world/index.ts";
import { isTaskSuccess, ProxmoxClient, ProxmoxError, ProxmoxTaskError, parseUpid } from "./index.ts";

let lab: LabFixture;
let client: ProxmoxClient;

const VM = {
  vmid: 121,
  name: "cp-1",
  tags: "homelab-orchestrator",
  cores: 4,
  memory: 8192,
  scsihw: "virtio-scsi-single",
  scsi0: "local-lvm:64",
  net0: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
  boot: "order=scsi0;ide2",
};

function clientFor(secret = LAB_TOKEN.secret, tokenId = LAB_TOKEN.id): ProxmoxClient {
  return new ProxmoxClient({ endpoint: lab.server.url, tokenId, tokenSecret: secret });
}

async function failure<T>(promise: Promise<T>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

beforeEach(async () => {
  lab = await startLabFixture({
    extraTokens: [
      { id: "audit@pve!diag", secret: "2b0e7d4c-1111-4a5b-8c9d-0e1f2a3b4c5d", role: "auditor" },
      { id: "bare@pve!none", secret: "9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b", role: "none" },
    ],
  });
  client = clientFor();
});

afterEach(async () => {
  await lab.close();
});

describe("the Proxmox client against the lab server", () => {
  it("reads the version with a valid token", async () => {
    expect(await client.version()).toMatchObject({ version: "8.3.2", release: "8.3" });
  });

  it("says the token was refused when its secret is wrong (401)", async () => {
    const error = await failure(clientFor("00000000-0000-0000-0000-000000000000").version());
    expect(error).toBeInstanceOf(ProxmoxError);
    expect(error).toMatchObject({ status: 401, reason: "invalid token value!" });
    expect(error.message).toBe(
      "proxmox: GET /version: 401 invalid token value!: the API token was refused; check proxmox.tokenId and the token secret",
    );
  });

  it("names the unknown token in a 401", async () => {
    const error = await failure(clientFor(LAB_TOKEN.secret, "automation@pve!typo").version());
    expect(error).toMatchObject({ status: 401, reason: "no such token 'typo' for user 'automation@pve'" });
  });

  it("explains a 403 from a token without the privilege", async () => {
    const auditor = clientFor("2b0e7d4c-1111-4a5b-8c9d-0e1f2a3b4c5d", "audit@pve!diag");
    expect(await auditor.nodeStorage("pve")).toHaveLength(2);
    const error = await failure(auditor.createVm("pve", VM));
    expect(error).toMatchObject({ status: 403, reason: "Permission check failed (/vms/121, VM.Allocate)" });
    expect(error.message).toMatch(
      /^proxmox: POST \/nodes\/pve\/qemu: 403 Permission check failed .*: grant the token/,
    );
    // A token without any ACL is not refused the storage list: Proxmox lets anyone list and
    // leaves out what the token may not see (pve-storage Status.pm:72-76, 243-245).
    const bare = clientFor("9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b", "bare@pve!none");
    expect(await bare.nodeStorage("pve")).toEqual([]);
    expect(await failure(bare.vmStatus("pve", 121))).toMatchObject({
      reason: "Permission check failed (/vms/121, VM.Audit)",
    });
  });

  it("sends POST parameters as a form body", async () => {
    const download = await client.downloadUrl("pve", "local", {
      url: "https://factory.talos.dev/image/abc/v1.12.4/metal-amd64.iso",
      filename: "t.iso",
      content: "iso",
    });
    await client.waitForTask(download, { pollMs: 0 });
    const upid = await client.createVm("pve", { ...VM, ide2: "local:iso/t.iso,media=cdrom" });
    await client.waitForTask(upid, { pollMs: 0 });
    const create = lab.server.requests.find(
      (request) => request.method === "POST" && request.path === "/nodes/pve/qemu",
    );
    expect(create?.params).toMatchObject({
      vmid: "121",
      boot: "order=scsi0;ide2",
      net0: "virtio=BC:24:11:00:00:21,bridge=vmbr0",
      ide2: "local:iso/t.iso,media=cdrom",
    });
    expect(await client.vmConfig("pve", 121)).toMatchObject({
      name: "cp-1",
      boot: "order=scsi0;ide2",
      cores: 4,
    });
  });

  it("returns real-format UPIDs and polls a task from running to stopped with its exit status", async () => {
    const upid = await client.createVm("pve", VM);
    expect(upid).toMatch(
      /^UPID:pve:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:121:automation@pve!orchestrator:$/,
    );
    expect(parseUpid(upid)).toMatchObject({
      node: "pve",
      type: "qmcreate",
      id: "121",
      user: "automation@pve!orchestrator",
    });
    expect(await client.vmConfig("pve", 121)).toMatchObject({ lock: "create" });
    expect(await client.taskStatus(upid)).toMatchObject({ status: "running" });
    const done = await client.taskStatus(upid);
    expect(done).toMatchObject({ status: "stopped", exitstatus: "OK", type: "qmcreate" });
    expect(await client.vmConfig("pve", 121)).not.toHaveProperty("lock");
    const log = await client.taskLog(upid);
    expect(log.at(-1)).toEqual({ n: log.length, t: "TASK OK" });
  });

  it("reports a missing VM as undefined, not as an error", async () => {
    expect(await client.vmConfig("pve", 404)).toBeUndefined();
    const error = await failure(client.vmStatus("pve", 404));
    expect(error.message).toBe(
      "proxmox: GET /nodes/pve/qemu/404/status/current: 500 Configuration file 'nodes/pve/qemu-server/404.conf' does not exist",
    );
  });

  it("carries a missing storage in the reason phrase", async () => {
    const error = await failure(client.createVm("pve", { ...VM, scsi0: "local-zfs:64" }));
    expect(error).toMatchObject({ status: 500, reason: "storage 'local-zfs' does not exist" });
  });

  it("refuses a vmid that is already taken", async () => {
    await client.waitForTask(await client.createVm("pve", VM), { pollMs: 0 });
    const error = await failure(client.createVm("pve", { ...VM, name: "other" }));
    expect(error.message).toBe(
      "proxmox: POST /nodes/pve/qemu: 500 unable to create VM 121: config file already exists",
    );
  });

  it("fails the start task when the bridge is missing, with the task log's last lines", async () => {
    await client.waitForTask(
      await client.createVm("pve", { ...VM, net0: "virtio=BC:24:11:00:00:21,bridge=vmbr9" }),
      { pollMs: 0 },
    );
    const error = await failure(client.waitForTask(await client.startVm("pve", 121), { pollMs: 0 }));
    expect(error).toBeInstanceOf(ProxmoxTaskError);
    expect(error).toMatchObject({ exitstatus: "start failed: QEMU exited with code 1" });
    expect(error.message).toBe(
      "proxmox: task qmstart of 121 on pve failed: start failed: QEMU exited with code 1",
    );
    expect((error as ProxmoxTaskError).logTail).toContain("bridge 'vmbr9' does not exist");
    expect((error as ProxmoxTaskError).logTail.at(-1)).toBe(
      "TASK ERROR: start failed: QEMU exited with code 1",
    );
    expect((await client.vmStatus("pve", 121)).status).toBe("stopped");
  });

  it("fails a task on a lock timeout once, and the retry succeeds", async () => {
    await client.waitForTask(await client.createVm("pve", VM), { pollMs: 0 });
    lab.change((world) => {
      world.faults.lockTimeoutOnce.push(121);
    });
    const error = await failure(client.waitForTask(await client.startVm("pve", 121), { pollMs: 0 }));
    expect(error).toMatchObject({
      exitstatus: "can't lock file '/var/lock/qemu-server/lock-121.conf' - got timeout",
    });
    await client.waitForTask(await client.startVm("pve", 121), { pollMs: 0 });
    expect((await client.vmStatus("pve", 121)).status).toBe("running");
  });

  it("reads the 400 errors map", async () => {
    const error = await failure(
      client.createVm("pve", { ...VM, net0: "virtio=BC:24:11:00:21,bridge=vmbr0", bogus: 1 }),
    );
    expect(error).toMatchObject({ status: 400, reason: "Parameter verification failed." });
    expect((error as ProxmoxError).errors).toEqual({
      bogus: "property is not defined in schema and the schema does not allow additional properties",
    });
    const byIp = await failure(client.nodeStorage("192.168.1.10"));
    expect(byIp.message).toBe(
      "proxmox: GET /nodes/192.168.1.10/storage: 400 Parameter verification failed. (node: invalid format - value does not look like a valid node name)",
    );
  });

  it("downloads an ISO into a storage as a task", async () => {
    const upid = await client.downloadUrl("pve", "local", {
      url: "https://factory.talos.dev/image/abc/v1.12.4/metal-amd64.iso",
      filename: "talos.iso",
      content: "iso",
    });
    expect(parseUpid(upid)?.type).toBe("download");
    expect(await client.storageContent("pve", "local", { content: "iso" })).toEqual([]);
    await client.waitForTask(upid, { pollMs: 0 });
    expect(await client.storageContent("pve", "local", { content: "iso" })).toMatchObject([
      { volid: "local:iso/talos.iso" },
    ]);
    expect(readWorld(lab.worldFile).proxmox.volumes["local:iso/talos.iso"]).toBeDefined();
  });

  it("says when nothing answers", async () => {
    const closed = new ProxmoxClient({
      endpoint: "http://127.0.0.1:9/api2/json",
      tokenId: LAB_TOKEN.id,
      tokenSecret: "x",
    });
    const error = await failure(closed.version());
    expect(error).toMatchObject({ status: 0 });
    expect(error.message).toMatch(/^proxmox: GET \/version: no answer: connect ECONNREFUSED 127\.0\.0\.1:9/);
  });

  it("treats OK and WARNINGS as success and anything else as failure", () => {
    expect(isTaskSuccess("OK")).toBe(true);
    expect(isTaskSuccess("WARNINGS: 2")).toBe(true);
    expect(isTaskSuccess("start failed: QEMU exited with code 1")).toBe(false);
    expect(isTaskSuccess(undefined)).toBe(false);
  });

  it("gets a read-only path with its query and returns the data as Proxmox sent it", async () => {
    const upid = await client.createVm("pve", VM);
    await client.waitForTask(upid, { pollMs: 0 });
    const auditor = clientFor("2b0e7d4c-1111-4a5b-8c9d-0e1f2a3b4c5d", "audit@pve!diag");
    const tasks = (await auditor.get("/nodes/pve/tasks?vmid=121&limit=5")) as { upid: string }[];
    expect(tasks.map((task) => task.upid)).toEqual([upid]);
    const log = await auditor.get(`/nodes/pve/tasks/${upid}/log?start=0&limit=1`);
    expect(log).toEqual([{ n: 1, t: expect.any(String) }]);
    expect(lab.server.requests.at(-1)).toMatchObject({
      method: "GET",
      path: `/nodes/pve/tasks/${encodeURIComponent(upid)}/log`,
      params: { start: "0", limit: "1" },
      status: 200,
    });
  });

  it("refuses to get a path off the read-only list without sending anything", async () => {
    const before = lab.server.requests.length;
    expect(() => client.get("/nodes/pve/qemu/121/status/stop")).toThrow(
      "proxmox: GET /nodes/pve/qemu/121/status/stop refused: /nodes/pve/qemu/121/status/stop is not on the list of read-only Proxmox API paths",
    );
    expect(() => client.get("/nodes/pve/qemu/121/../../../access/users")).toThrow("may not contain . or ..");
    expect(lab.server.requests.length).toBe(before);
  });

  it("has no method that could delete, stop, reset or resize a VM", () => {
    const methods = Object.getOwnPropertyNames(ProxmoxClient.prototype);
    expect(
      methods.filter((name) => /delete|destroy|stop|shutdown|reset|resize|remove|purge/i.test(name)),
    ).toEqual([]);
  });
});

import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LabFixture, startLabFixture } from "./lab-fixture.ts";

let lab: LabFixture;

beforeEach(async () => {
  lab = await startLabFixture();
});

afterEach(async () => {
  await lab.close();
});

/** A raw HTTP/1.1 call, to see the status line and body exactly as a client would. */
function call(method: string, path: string, options: { auth?: string; body?: string; type?: string } = {}) {
  const url = new URL(`${lab.server.url}${path}`);
  return new Promise<{ status: number; reason: string; body: unknown }>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.auth !== undefined) {
      headers["Authorization"] = options.auth;
    }
    if (options.type !== undefined) {
      headers["Content-Type"] = options.type;
    }
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          reason: res.statusMessage ?? "",
          body: JSON.parse(Buffer.concat(chunks).toString()),
        }),
      );
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

const AUTH = "PVEAPIToken=automation@pve!orchestrator=6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50";

describe("the lab Proxmox server", () => {
  it("answers 401 No ticket without a token, with a null data envelope", async () => {
    expect(await call("GET", "/version")).toEqual({ status: 401, reason: "No ticket", body: { data: null } });
  });

  it("accepts JSON bodies as well as forms", async () => {
    const created = await call("POST", "/nodes/pve/qemu", {
      auth: AUTH,
      type: "application/json",
      body: JSON.stringify({ vmid: 150, name: "json-vm" }),
    });
    expect(created.status).toBe(200);
    expect((created.body as { data: string }).data).toMatch(
      /^UPID:pve:.*:qmcreate:150:automation@pve!orchestrator:$/,
    );
  });

  it("puts missing parameters in the 400 errors map", async () => {
    const answer = await call("POST", "/nodes/pve/qemu", {
      auth: AUTH,
      type: "application/x-www-form-urlencoded",
      body: "name=x",
    });
    expect(answer).toEqual({
      status: 400,
      reason: "Parameter verification failed.",
      body: { data: null, errors: { vmid: "property is missing and it is not optional" } },
    });
  });

  it("does not implement destructive calls, and logs them", async () => {
    const answer = await call("DELETE", "/nodes/pve/qemu/121", { auth: AUTH });
    expect(answer).toMatchObject({
      status: 501,
      reason: "Method 'DELETE /api2/json/nodes/pve/qemu/121' not implemented",
    });
    expect(lab.server.requests.at(-1)).toMatchObject({
      method: "DELETE",
      path: "/nodes/pve/qemu/121",
      status: 501,
    });
  });

  it("answers an unknown node the way a Proxmox cluster does", async () => {
    const answer = await call("GET", "/nodes/pve9/storage", { auth: AUTH });
    expect(answer.reason).toBe(
      "hostname lookup 'pve9' failed - failed to get address info for: pve9: Name or service not known",
    );
  });

  it("answers /access/permissions as Proxmox does: path to privilege to 1, {} for a path without grants", async () => {
    lab.change((world) => {
      world.proxmox.tokenAcl = {
        "automation@pve!orchestrator": {
          "/storage/local": ["Datastore.Audit", "Datastore.AllocateTemplate"],
        },
      };
    });
    expect(await call("GET", "/access/permissions?path=%2Fstorage%2Flocal", { auth: AUTH })).toMatchObject({
      status: 200,
      body: { data: { "/storage/local": { "Datastore.AllocateTemplate": 1, "Datastore.Audit": 1 } } },
    });
    expect(
      await call("GET", "/access/permissions?path=%2Fstorage%2Flocal-lvm", { auth: AUTH }),
    ).toMatchObject({
      status: 200,
      body: { data: {} },
    });
    // The listing leaves out the storage the token may not see, silently.
    expect(await call("GET", "/nodes/pve/storage", { auth: AUTH })).toMatchObject({
      body: { data: [{ storage: "local" }] },
    });
    expect(
      await call("POST", "/nodes/pve/qemu", { auth: AUTH, body: "vmid=150&scsi0=local-lvm%3A8" }),
    ).toMatchObject({
      status: 403,
      reason: "Permission check failed (/vms/150, VM.Allocate)",
    });
  });
});

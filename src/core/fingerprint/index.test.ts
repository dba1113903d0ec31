import { describe, expect, it } from "vitest";
import { EMPTY_FINGERPRINT, fingerprintLogTail, TemplateMiner } from "./index.ts";

const fresh = () => new TemplateMiner();
const hashOf = (tail: string, miner = fresh()) => fingerprintLogTail(tail, miner).template;

const talosTimeout = (ip: string, when: string) =>
  [
    `${when} waiting for node ${ip} to reach maintenance mode`,
    `error getting machine status: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp ${ip}:50000: i/o timeout"`,
    "exit status 1",
  ].join("\n");

describe("fingerprintLogTail", () => {
  it("gives the same hash for the same error with other IPs, ports and timestamps", () => {
    const a = talosTimeout("192.168.1.21", "2025-11-25T17:02:11Z");
    const b = talosTimeout("10.0.0.7", "2025-11-26T08:00:59.123+01:00");
    expect(hashOf(a)).toBe(hashOf(b));
    expect(fingerprintLogTail(a, fresh()).exact).not.toBe(fingerprintLogTail(b, fresh()).exact);
  });

  it("gives the same hash for the same Proxmox error on other VM ids and UPIDs", () => {
    const tail = (vmid: number, upid: string) =>
      `creating VM ${vmid}\nTASK ERROR: ${upid}: unable to create VM ${vmid}: config file already exists\n`;
    expect(hashOf(tail(121, "UPID:pve:0000ABCD:00112233:5F0A1B2C:qmcreate:121:root@pam:"))).toBe(
      hashOf(tail(401, "UPID:pve2:00001F3E:0A0B0C0D:6650AA01:qmcreate:401:automation@pve!orchestrator:")),
    );
  });

  it("gives the same hash for the same kubectl error on other pod names and UUIDs", () => {
    const tail = (pod: string, uid: string) =>
      `Error from server (NotFound): pods "${pod}" not found (uid ${uid})\nexit status 1`;
    expect(hashOf(tail("cilium-7d9f8b6c4-x2x7k", "0f8e9a34-5b6c-4d7e-8f90-a1b2c3d4e5f6"))).toBe(
      hashOf(tail("cilium-5c8d6b7f9-q4w8z", "9b1c2d3e-4f50-4617-a8b9-c0d1e2f3a4b5")),
    );
  });

  it("tells connection refused, i/o timeout and no route to host apart on the same address", () => {
    const tail = (cause: string) => `error: dial tcp 192.168.1.21:50000: ${cause}\nexit status 1`;
    const hashes = new Set(
      [tail("connection refused"), tail("i/o timeout"), tail("no route to host")].map((t) => hashOf(t)),
    );
    expect(hashes.size).toBe(3);
  });

  it("tells apart two logs that end in the same generic line but fail for different causes", () => {
    const storage = "500 storage 'local-lvm' does not exist\nmake: *** [Makefile:12: vms] Error 1";
    const permission =
      "403 Permission check failed (/vms/121, VM.Allocate)\nmake: *** [Makefile:12: vms] Error 1";
    expect(hashOf(storage)).not.toBe(hashOf(permission));
    expect(fingerprintLogTail(storage, fresh()).lines).toEqual(["500 storage 'local-lvm' does not exist"]);
  });

  it("keeps an error's hash whether the miner has seen it before or not", () => {
    const attempt1 = talosTimeout("192.168.1.21", "17:02:11");
    const attempt2 = talosTimeout("192.168.1.22", "17:05:40");
    const learned = fresh();
    const first = fingerprintLogTail(attempt1, learned).template;
    const second = fingerprintLogTail(attempt2, learned).template;
    // Attempt 1's error looked at again after the miner widened its templates.
    expect(fingerprintLogTail(attempt1, learned).template).toBe(first);
    expect(second).toBe(first);
    expect(fingerprintLogTail(attempt2, fresh()).template).toBe(first);
  });

  it("keeps an error's hash after the miner widened a template on a different word", () => {
    const learned = fresh();
    const tail = (bridge: string) => `TASK ERROR: bridge '${bridge}' does not exist`;
    const before = fingerprintLogTail(tail("vmbr0"), learned).template;
    for (const other of ["lanbr", "wanbr", "dmzbr"]) {
      fingerprintLogTail(tail(other), learned);
    }
    expect(fingerprintLogTail(tail("vmbr0"), learned).template).toBe(before);
    expect(fingerprintLogTail(tail("vmbr0"), fresh()).template).toBe(before);
  });

  it("is deterministic", () => {
    const tail = talosTimeout("192.168.1.21", "17:02:11");
    expect(fingerprintLogTail(tail, fresh())).toEqual(fingerprintLogTail(tail, fresh()));
  });

  it("gives the fixed empty fingerprint for an empty or blank log", () => {
    expect(fingerprintLogTail("", fresh())).toEqual(EMPTY_FINGERPRINT);
    expect(fingerprintLogTail("\n\n  \r\n\x1b[0m\n", fresh()).template).toBe(EMPTY_FINGERPRINT.template);
  });

  it("handles binary garbage without crashing", () => {
    const bytes = Buffer.alloc(4096);
    for (let k = 0; k < bytes.length; k++) {
      bytes[k] = (k * 7919) % 256;
    }
    const result = fingerprintLogTail(bytes.toString("utf8"), fresh());
    expect(result.template).toMatch(/^[0-9a-f]{16}$/);
  });

  it("handles a gigantic single line and keeps lines short", () => {
    const huge = `error: ${"x".repeat(5_000_000)}\n`;
    const result = fingerprintLogTail(huge, fresh());
    expect(result.template).toMatch(/^[0-9a-f]{16}$/);
    for (const line of result.lines) {
      expect(line.length).toBeLessThanOrEqual(2000);
    }
  });

  it("counts a retry loop's repeated error once, however many retries the tail holds", () => {
    const retry = (n: number) =>
      Array.from(
        { length: n },
        (_, k) => `error: dial tcp 10.0.0.${k}:6443: connect: connection refused`,
      ).join("\n");
    expect(hashOf(retry(3))).toBe(hashOf(retry(150)));
  });
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLabWorld, readWorld, updateWorld, worldFileFromEnv, writeWorld } from "./index.ts";

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lab-world-"));
  file = join(dir, "world.json");
  writeWorld(file, newLabWorld({ dhcpReservations: { "BC:24:11:00:00:21": "192.168.1.21" } }));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the lab world", () => {
  it("starts as a stock Proxmox install with lower-case DHCP reservations", () => {
    const world = readWorld(file);
    expect(Object.keys(world.proxmox.nodes)).toEqual(["pve"]);
    expect(world.proxmox.nodes["pve"]?.storages["local-lvm"]?.content).toEqual(["images", "rootdir"]);
    expect(world.network.dhcpReservations).toEqual({ "bc:24:11:00:00:21": "192.168.1.21" });
    expect(world.talos.machines).toEqual({});
  });

  it("keeps fields written by a newer writer", () => {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
    raw["kubernetes"] = { nodes: ["cp-1"] };
    writeFileSync(file, JSON.stringify(raw));
    updateWorld(file, (world) => {
      world.faults.lockTimeoutOnce.push(121);
    });
    const after = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
    expect(after["kubernetes"]).toEqual({ nodes: ["cp-1"] });
  });

  it("writes nothing when a change throws, and releases the lock", () => {
    const before = readFileSync(file, "utf8");
    expect(() =>
      updateWorld(file, (world) => {
        world.proxmox.taskPolls = 9;
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("takes over a lock whose process has gone", () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    writeFileSync(`${file}.lock`, `${gone.stdout} ${hostname()}\n`);
    updateWorld(file, (world) => {
      world.proxmox.taskPolls = 3;
    });
    expect(readWorld(file).proxmox.taskPolls).toBe(3);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("names LAB_WORLD when it is unset", () => {
    expect(() => worldFileFromEnv({})).toThrow("LAB_WORLD is not set");
    expect(worldFileFromEnv({ LAB_WORLD: file })).toBe(file);
  });
});

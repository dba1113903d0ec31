import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLabWorld, writeWorld } from "../world/index.ts";
import { type FakeClis, installFakeClis } from "./index.ts";

/** The fakes are bash scripts asking one long-lived server: what a caller sees must not change. */

let dir: string;
let fakes: FakeClis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fake-server-"));
  writeWorld(join(dir, "world.json"), newLabWorld());
  fakes = await installFakeClis(join(dir, "bin"), {
    worldFile: join(dir, "world.json"),
    callLog: join(dir, "calls.jsonl"),
  });
});

afterAll(async () => {
  await fakes.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(cwd: string, tool: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(join(dir, "bin", tool), args, {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env["PATH"], ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("a fake CLI served by the lab's server", () => {
  it("passes arguments with spaces, quotes, newlines and non-ASCII text through unchanged", () => {
    const odd = ["a b", 'it\'s "quoted"', "two\nlines", "größe ✓", ""];
    run(dir, "kubectl", ["get", ...odd]);
    const last = readFileSync(join(dir, "calls.jsonl"), "utf8").trim().split("\n").at(-1) ?? "";
    expect(JSON.parse(last)).toEqual(["kubectl", "get", ...odd]);
  });

  it("reads a relative path from the caller's working folder and the talosconfig from $HOME", () => {
    const home = join(dir, "home");
    mkdirSync(join(home, "sub"), { recursive: true });
    const result = run(join(home, "sub"), "talosctl", ["version"], { HOME: home });
    expect(result).toMatchObject({
      code: 1,
      stderr: `failed to open config file "${join(home, ".talos", "config")}": open ${join(home, ".talos", "config")}: no such file or directory\n`,
    });
    const relative = run(join(home, "sub"), "kubectl", ["--kubeconfig", "missing.yaml", "get", "nodes"]);
    expect(relative.code).toBe(1);
  });

  it("keeps stdout and stderr apart, byte for byte, with the tool's exit code", () => {
    expect(run(dir, "talosctl", ["get", "machinestatus", "--wat"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "Error: unknown flag: --wat\n",
    });
    const version = run(dir, "talosctl", ["version", "--client"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^Client:\n\tTag: {9}v\d+\.\d+\.\d+\n/);
  });

  it("says its server does not answer, exit 127, once the lab is closed", async () => {
    const other = await installFakeClis(join(dir, "closed-bin"), { worldFile: join(dir, "world.json") });
    await other.close();
    const result = spawnSync(join(dir, "closed-bin", "flux"), ["check"], { encoding: "utf8" });
    expect(result.status).toBe(127);
    expect(result.stderr).toMatch(
      /^fake flux: the lab's fake-CLI server at 127\.0\.0\.1:\d+ does not answer\n$/,
    );
  });
});

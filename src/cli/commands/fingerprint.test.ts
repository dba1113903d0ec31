import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../test/helpers/cli.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fingerprint-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
/** Standard output of a command that succeeds; a failure rejects with its exit code and stderr. */
async function run(args: string[], stdin?: string, cwd = dir): Promise<string> {
  const result = await runInProcess(args, cwd, stdin === undefined ? {} : { stdin });
  if (result.code !== 0) {
    throw new Error(`exit ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

const TALOS_LOG = [
  "\x1b[33m⠋\x1b[0m waiting for 192.168.1.21 to come up",
  'error getting machine status: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 192.168.1.21:50000: i/o timeout"',
  "exit status 1",
  "",
].join("\n");

describe("orchestrator fingerprint", () => {
  it("prints the template hash of a log file", async () => {
    const file = join(dir, "talos_attempt1.log");
    await writeFile(file, TALOS_LOG);
    expect(await run(["fingerprint", file])).toMatch(/^[0-9a-f]{16}\n$/);
  });

  it("reads standard input when FILE is -, with the same hash as the file", async () => {
    const file = join(dir, "talos_attempt2.log");
    await writeFile(file, TALOS_LOG);
    const fromFile = await run(["fingerprint", file]);
    expect(await run(["fingerprint", "-"], TALOS_LOG)).toBe(fromFile);
  });

  it("explains the chosen lines, their templates and both hashes", async () => {
    const file = join(dir, "explain.log");
    await writeFile(file, TALOS_LOG);
    const out = await run(["fingerprint", file, "--explain"]);
    expect(out).toContain("template hash: ");
    expect(out).toContain("exact hash: ");
    expect(out).toContain("dial tcp 192.168.1.21:50000: i/o timeout");
    expect(out).toContain("dial tcp <*>: i/o timeout");
    expect(out).not.toContain("exit status 1");
  });

  it("prints the whole fingerprint with --json", async () => {
    const file = join(dir, "json.log");
    await writeFile(file, TALOS_LOG);
    const parsed = JSON.parse(await run(["fingerprint", file, "--json"]));
    expect(Object.keys(parsed).sort()).toEqual(["exact", "lines", "template", "templates"]);
  });

  it("refuses a missing file with one line naming it, exit 2", async () => {
    const missing = join(dir, "nope.log");
    await expect(run(["fingerprint", missing])).rejects.toThrow(
      `exit 2: orchestrator: ${missing}: no such file\n`,
    );
  });

  it("reads a relative FILE from the working folder", async () => {
    await writeFile(join(dir, "relative.log"), TALOS_LOG);
    expect(await run(["fingerprint", "relative.log"])).toBe(await run(["fingerprint", "-"], TALOS_LOG));
  });

  it("reads the loop's templates from the repo root, also from a folder inside the repo", async () => {
    const repo = join(dir, "homelab");
    await mkdir(join(repo, "ai", "state"), { recursive: true });
    await mkdir(join(repo, "config", "clusters"), { recursive: true });
    await writeFile(join(repo, "ai", "context_map.yaml"), "version: 1\nstages: {}\n");
    await writeFile(join(repo, "ai", "state", "templates.json"), "{ not json");
    await writeFile(join(repo, "talos.log"), TALOS_LOG);
    const result = await runInProcess(["fingerprint", "../../talos.log"], join(repo, "config", "clusters"));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "warning: ai/state/templates.json could not be read; the next run sets it aside and starts afresh\n",
    );
    expect(result.stdout).toBe(await run(["fingerprint", join(repo, "talos.log")]));
  });

  it("refuses a directory with a user error naming it", async () => {
    await expect(run(["fingerprint", dir])).rejects.toThrow(
      `exit 2: orchestrator: ${dir}: is a directory, not a log file`,
    );
  });
});

describe("orchestrator templates", () => {
  const messages = [
    "Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]",
    "Received disconnect from 119.137.62.142: 11: Bye Bye [preauth]",
    "VM Started (Lifecycle Event)",
    "",
    "VM Paused (Lifecycle Event)",
  ];

  it("prints one JSON object per input line, in order, equal groups for one template", async () => {
    const file = join(dir, "messages.txt");
    await writeFile(file, `${messages.join("\r\n")}\r\n`);
    const rows = (await run(["templates", file]))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { line: number; template: string; group: string });
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]?.group).toBe(rows[1]?.group);
    expect(rows[0]?.template).toBe("Received disconnect from <*> Bye Bye [preauth]");
    expect(rows[2]?.group).not.toBe(rows[4]?.group);
    expect(rows[3]?.template).toBe("");
  });

  it("reads standard input without FILE and gives the same answer", async () => {
    const file = join(dir, "messages2.txt");
    await writeFile(file, messages.join("\n"));
    expect(await run(["templates"], messages.join("\n"))).toBe(await run(["templates", file]));
  });

  it("numbers every line of a long input, across read chunks and output blocks", async () => {
    const file = join(dir, "long.txt");
    const lines = Array.from(
      { length: 120_000 },
      (_, k) => `worker ${k} finished job «${k % 7}» in ${k % 97}ms`,
    );
    await writeFile(file, `${lines.join("\n")}\n`);
    const rows = (await run(["templates", file])).trimEnd().split("\n");
    expect(rows).toHaveLength(lines.length);
    const last = JSON.parse(rows.at(-1) ?? "{}") as { line: number; template: string };
    expect(last.line).toBe(120_000);
    expect(last.template).toBe("worker <*> finished job «<*>» in <*>");
  });

  it("refuses a missing file with a user error naming it", async () => {
    await expect(run(["templates", join(dir, "missing.txt")])).rejects.toThrow(
      /^exit 2: orchestrator: .*missing\.txt: no such file/,
    );
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { captureStdout } from "../../../test/helpers/stdout-capture.ts";
import { UserError } from "../../errors/index.ts";
import { registerFingerprintCommands } from "./fingerprint.ts";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "fingerprint-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(args: string[], stdin?: string): Promise<string> {
  const stdout = captureStdout();
  if (stdin !== undefined) {
    const fake = Readable.from([stdin]);
    vi.spyOn(process, "stdin", "get").mockReturnValue(fake as unknown as typeof process.stdin);
  }
  const program = new Command().exitOverride();
  registerFingerprintCommands(program);
  await program.parseAsync(["node", "orchestrator", ...args]);
  return stdout.text();
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

  it("refuses a missing file with a user error naming it", async () => {
    const missing = join(dir, "nope.log");
    const failure = run(["fingerprint", missing]);
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(run(["fingerprint", missing])).rejects.toThrow(`${missing}: no such file`);
  });

  it("refuses a directory with a user error naming it", async () => {
    await expect(run(["fingerprint", dir])).rejects.toThrow(`${dir}: is a directory, not a log file`);
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
    await expect(run(["templates", join(dir, "missing.txt")])).rejects.toThrow("missing.txt: no such file");
  });
});

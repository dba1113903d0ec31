import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StageSpec } from "../../config/index.ts";
import { processGroupRecordFile } from "../../core/repo-layout/index.ts";
import { readLogTail } from "../log-tail/index.ts";
import { groupRunning, processStartTime } from "../process/index.ts";
import { runStage, type StageRunInput } from "./index.ts";

async function repo(): Promise<string> {
  return mkdtemp(join(tmpdir(), "stage-runner-"));
}

function input(
  repoRoot: string,
  spec: Record<string, unknown>,
  extra: Partial<StageRunInput> = {},
): StageRunInput {
  return {
    stage: "talos",
    spec: StageSpec.parse(spec),
    repoRoot,
    workdir: repoRoot,
    attempt: 1,
    env: process.env,
    killGraceMs: 300,
    ...extra,
  };
}

/** A detached `sleep` in a group of its own, as a stage command outlives a tool killed with kill -9. */
async function strayGroup(): Promise<number> {
  const child = spawn("sleep", ["60"], { detached: true, stdio: "ignore" });
  child.unref();
  const pid = child.pid as number;
  await new Promise((r) => setTimeout(r, 50));
  return pid;
}

async function writeRecord(repoRoot: string, record: Record<string, unknown>): Promise<string> {
  const path = join(repoRoot, processGroupRecordFile("talos"));
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, JSON.stringify(record));
  return path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe("runStage", () => {
  it("starts the log with a header and names it in UTC", async () => {
    const root = await repo();
    const result = await runStage(
      input(
        root,
        { command: "echo hello", timeout: "1m" },
        {
          now: new Date(Date.UTC(2026, 10, 25, 17, 2, 11)),
          aiCommit: "0123456789abcdef",
          linked: ["talos/talosconfig", ".env"],
        },
      ),
    );
    expect(result.green).toBe(true);
    expect(result.logFile).toBe("ai/logs/talos/talos_20261125-170211_attempt1.log");
    const log = await readFile(join(root, result.logFile), "utf8");
    expect(log).toBe(
      [
        "[orchestrator] stage: talos, attempt 1",
        "[orchestrator] command: echo hello",
        `[orchestrator] working folder: ${root}`,
        "[orchestrator] started: 2026-11-25T17:02:11.000Z",
        "[orchestrator] AI-branch commit: 0123456789abcdef",
        "[orchestrator] linked from your checkout: talos/talosconfig, .env",
        "[orchestrator] ---- output ----",
        "hello",
        "",
      ].join("\n"),
    );
    // the header is about the run, not the error: the tail the fingerprint reads leaves it out
    expect(await readLogTail(join(root, result.logFile))).toBe("hello");
  });

  it("keeps the head and tail of a huge log and cuts the middle, with a marker", async () => {
    const root = await repo();
    const result = await runStage(
      input(
        root,
        { command: "echo FIRST; seq 1 200000; head -c 3000000 /dev/zero | tr '\\0' x; echo; echo LAST" },
        {
          logCap: { headBytes: 4096, tailBytes: 4096 },
        },
      ),
    );
    const log = await readFile(join(root, result.logFile), "utf8");
    expect(log.length).toBeLessThan(4096 + 4096 + 100);
    expect(log).toContain("\nFIRST\n1\n2\n");
    expect(log).toMatch(/\n\[\.\.\. \d+ bytes cut \.\.\.\]\n/);
    expect(log.endsWith("\nLAST\n")).toBe(true);
    const cut = Number(/\[\.\.\. (\d+) bytes cut/.exec(log)?.[1]);
    expect(result.process.outputBytes).toBe("FIRST\n".length + 1_288_895 + 3_000_001 + "LAST\n".length);
    // every byte is either kept or counted as cut (the header and marker are the tool's own);
    // the 3 MB line without a newline reaches the log as 46 lines of at most 64 Ki characters
    const splitNewlines = Math.floor(3_000_000 / 65_536);
    const header = log.slice(0, log.indexOf("---- output ----\n") + "---- output ----\n".length);
    const marker = /\n(\[\.\.\. \d+ bytes cut \.\.\.\]\n)/.exec(log)?.[1] ?? "";
    expect(Buffer.byteLength(log) - header.length - marker.length + cut).toBe(
      result.process.outputBytes + splitNewlines,
    );
  });

  it("stops at its timeout although a setsid grandchild still holds the output pipe", async () => {
    const root = await repo();
    const pidFile = join(root, "escaped.pid");
    const result = await runStage(
      input(root, {
        command: `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 60' & echo started; sleep 60`,
        timeout: "500ms",
      }),
    );
    process.kill(Number(await readFile(pidFile, "utf8")), "SIGKILL");
    expect(result.green).toBe(false);
    expect(result.process.timedOut).toBe(true);
    expect(result.summary).toBe("timed out after 500ms and was stopped with its children");
    expect(await readFile(join(root, result.logFile), "utf8")).toContain("\nstarted\n");
  });

  it("records the running stage's process group and removes the record when it ends", async () => {
    const root = await repo();
    const record = join(root, processGroupRecordFile("talos"));
    const result = await runStage(input(root, { command: `sleep 0.3; cat ${record}` }));
    const seen = JSON.parse(result.process.tail.join("\n")) as Record<string, unknown>;
    expect(seen).toMatchObject({
      version: 1,
      stage: "talos",
      host: hostname(),
      command: `sleep 0.3; cat ${record}`,
    });
    expect(seen["pgid"]).toBe(seen["pid"]);
    expect(typeof seen["startTime"]).toBe("string");
    expect(await exists(record)).toBe(false);
  });

  it("ends the process group an earlier, killed run left behind, and says so in the log", async () => {
    const root = await repo();
    const pid = await strayGroup();
    await writeRecord(root, {
      version: 1,
      stage: "talos",
      pgid: pid,
      pid,
      startTime: await processStartTime(pid),
      host: hostname(),
      startedAt: "2026-11-25T17:00:00.000Z",
      command: "./bootstrap.sh",
    });
    const result = await runStage(input(root, { command: "true" }));
    expect(result.endedOrphan).toEqual({
      pgid: pid,
      command: "./bootstrap.sh",
      startedAt: "2026-11-25T17:00:00.000Z",
      endedWith: "SIGTERM",
    });
    expect(await groupRunning(pid)).toBe(false);
    const log = await readFile(join(root, result.logFile), "utf8");
    expect(log).toContain(
      `[orchestrator] an earlier run of this stage was still running (process group ${pid}, started 2026-11-25T17:00:00.000Z: ./bootstrap.sh); it was ended with SIGTERM before this run`,
    );
  });

  it("leaves alone a process whose pid was reused, and one recorded on another host", async () => {
    const root = await repo();
    const pid = await strayGroup();
    try {
      const record = {
        version: 1,
        stage: "talos",
        pgid: pid,
        pid,
        startTime: "1", // the recorded leader started at boot: this process is another one
        host: hostname(),
        startedAt: "2026-11-25T17:00:00.000Z",
        command: "./bootstrap.sh",
      };
      const path = await writeRecord(root, record);
      const reused = await runStage(input(root, { command: "true" }));
      expect(reused.endedOrphan).toBeUndefined();
      expect(await groupRunning(pid)).toBe(true);
      expect(await exists(path)).toBe(false);

      await writeRecord(root, { ...record, startTime: await processStartTime(pid), host: "another-host" });
      const elsewhere = await runStage(input(root, { command: "true" }));
      expect(elsewhere.endedOrphan).toBeUndefined();
      expect(await groupRunning(pid)).toBe(true);
      expect(await readFile(join(root, elsewhere.logFile), "utf8")).toContain(
        "a process-group record from host another-host was ignored and removed",
      );
    } finally {
      process.kill(-pid, "SIGKILL");
    }
  });

  it("removes a process-group record it cannot read, and says so", async () => {
    const root = await repo();
    const path = await writeRecord(root, { version: 1, stage: "talos", pgid: "not a number" });
    const result = await runStage(input(root, { command: "true" }));
    expect(await exists(path)).toBe(false);
    expect(await readFile(join(root, result.logFile), "utf8")).toContain(
      "[orchestrator] an unreadable process-group record (ai/state/process-groups/talos.json) was removed",
    );
  });

  it("never overwrites an earlier log of the same second", async () => {
    const root = await repo();
    const now = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
    await runStage(input(root, { command: "true" }, { now }));
    await runStage(input(root, { command: "true" }, { now }));
    expect((await readdir(join(root, "ai/logs/talos"))).sort()).toEqual([
      "talos_20260101-000000_attempt1-2.log",
      "talos_20260101-000000_attempt1.log",
    ]);
  });
});

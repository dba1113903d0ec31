import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runArgv, runShell } from "./index.ts";

/** Running, not merely a zombie waiting for a reaper (containers often lack one). */
async function running(pid: number): Promise<boolean> {
  const { readFile } = await import("node:fs/promises");
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (!(await running(pid))) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe("runShell", () => {
  it("streams every output line in order and keeps the exit code", async () => {
    const lines: string[] = [];
    const result = await runShell("echo one; echo two >&2; printf three; exit 4", {
      cwd: tmpdir(),
      onLine: (line) => lines.push(line),
    });
    expect(result.exitCode).toBe(4);
    expect(lines.sort()).toEqual(["one", "three", "two"]);
    expect(result.tail).toHaveLength(3);
  });

  it("runs in the given folder with the given environment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const result = await runShell('pwd; echo "$STAGE_VAR"', {
      cwd: dir,
      env: { ...process.env, STAGE_VAR: "hello" },
    });
    expect(result.tail).toEqual([dir, "hello"]);
  });

  it("ends the whole process group on timeout, grandchildren included", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const pidFile = join(dir, "grandchild.pid");
    const result = await runShell(`sleep 60 & echo $! > ${pidFile}; wait`, {
      cwd: dir,
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(result.timedOut).toBe(true);
    const { readFile } = await import("node:fs/promises");
    const grandchild = Number(await readFile(pidFile, "utf8"));
    expect(await gone(grandchild)).toBe(true);
  });

  it("escalates to SIGKILL when the command ignores SIGTERM", async () => {
    const result = await runShell("trap '' TERM; while true; do sleep 0.05; done", {
      cwd: tmpdir(),
      timeoutMs: 200,
      killGraceMs: 200,
    });
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
  });

  it("stops when the abort signal fires and says it was interrupted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const result = await runShell("sleep 30", { cwd: tmpdir(), signal: controller.signal, killGraceMs: 100 });
    expect(result.interrupted).toBe(true);
    expect(result.timedOut).toBe(false);
  });

  it("keeps only a bounded tail of a long output", async () => {
    const result = await runShell("seq 1 5000", { cwd: tmpdir(), tailLines: 10 });
    expect(result.tail).toEqual([
      "4991",
      "4992",
      "4993",
      "4994",
      "4995",
      "4996",
      "4997",
      "4998",
      "4999",
      "5000",
    ]);
  });

  it("does not hang when a background child keeps the output pipe open", async () => {
    const result = await runShell("(sleep 30 &) ; echo done", { cwd: tmpdir() });
    expect(result.exitCode).toBe(0);
    expect(result.tail).toEqual(["done"]);
  });
});

describe("runArgv", () => {
  it("reports a program that does not exist as an outcome, not a crash", async () => {
    const result = await runArgv(["definitely-not-a-program-xyz"], { cwd: tmpdir() });
    expect(result.startFailure).toEqual({
      kind: "not-found",
      message: "definitely-not-a-program-xyz was not found on PATH",
    });
    expect(result.exitCode).not.toBe(0);
  });

  it("passes arguments without a shell", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    await writeFile(join(dir, "x"), "");
    const result = await runArgv(["echo", "$HOME", "*", "a;b"], { cwd: dir });
    expect(result.tail).toEqual(["$HOME * a;b"]);
  });
});

describe("output decoding", () => {
  it("keeps a multi-byte character whole when it arrives split across two writes", async () => {
    // "✔" is three bytes; printf writes the first byte, then the rest after a pause.
    const result = await runShell("printf '\\342'; sleep 0.2; printf '\\234\\224 done\\n'", {
      cwd: tmpdir(),
    });
    expect(result.tail).toEqual(["✔ done"]);
  });
});

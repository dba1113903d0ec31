import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../errors/index.ts";
import { runProcess } from "./index.ts";
import { groupRunning } from "./proc.ts";

const env = process.env;

/** Running, not merely a zombie waiting for a reaper (containers often lack one). */
async function running(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe("runProcess", () => {
  it("returns when the timeout fires although a setsid grandchild still holds the output pipe", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const pidFile = join(dir, "escaped.pid");
    // The grandchild leaves the group (setsid), keeps stdout open and outlives everything.
    const result = await runProcess(
      ["bash", "-c", `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 30' & sleep 30`],
      { cwd: dir, env, timeoutMs: 300, killGraceMs: 200, pipeGraceMs: 100, output: { mode: "lines" } },
    );
    expect(result.timedOut).toBe(true);
    expect(result.pipesAbandoned).toBe(true);
    const escaped = Number(await readFile(pidFile, "utf8"));
    process.kill(escaped, "SIGKILL");
  });

  it("returns when the command exits and a setsid grandchild keeps the pipe open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const pidFile = join(dir, "escaped.pid");
    const result = await runProcess(
      ["bash", "-c", `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 30' & sleep 0.2; echo done`],
      { cwd: dir, env, pipeGraceMs: 100, output: { mode: "lines" } },
    );
    expect(result.exitCode).toBe(0);
    expect(result.tail).toEqual(["done"]);
    expect(result.pipesAbandoned).toBe(true);
    process.kill(Number(await readFile(pidFile, "utf8")), "SIGKILL");
  });

  it("splits 30 MB without a newline into bounded lines and keeps a bounded tail", async () => {
    let longest = 0;
    let total = 0;
    const result = await runProcess(["bash", "-c", "head -c 31457280 /dev/zero | tr '\\0' x"], {
      cwd: tmpdir(),
      env,
      output: {
        mode: "lines",
        maxLineChars: 65_536,
        onLine: (line) => {
          longest = Math.max(longest, line.length);
          total += line.length;
        },
      },
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputBytes).toBe(31_457_280);
    expect(total).toBe(31_457_280);
    expect(longest).toBe(65_536);
    // the tail keeps at most 256 KiB of characters however long the output ran
    expect(result.tail.join("").length).toBeLessThanOrEqual(256 * 1024);
  });

  it("keeps a bounded head and tail in capped mode", async () => {
    const result = await runProcess(
      ["bash", "-c", "echo FIRST; head -c 1000000 /dev/zero | tr '\\0' y; echo; echo LAST"],
      {
        cwd: tmpdir(),
        env,
        output: { mode: "capped", capBytes: 1000 },
      },
    );
    expect(result.truncated).toBe(true);
    expect(result.interleaved.startsWith("FIRST\n")).toBe(true);
    expect(result.interleaved.endsWith("\nLAST\n")).toBe(true);
    expect(result.interleaved.length).toBeLessThan(1100);
  });

  it("keeps stdout and stderr apart and also in the order they came", async () => {
    const result = await runProcess(
      ["bash", "-c", "echo out1; sleep 0.05; echo err1 >&2; sleep 0.05; echo out2"],
      {
        cwd: tmpdir(),
        env,
        output: { mode: "all" },
      },
    );
    expect(result.stdout).toBe("out1\nout2\n");
    expect(result.stderr).toBe("err1\n");
    expect(result.interleaved).toBe("out1\nerr1\nout2\n");
    expect(result.stdoutBytes).toBe(10);
    expect(result.stderrBytes).toBe(5);
  });

  it("decodes a character split across two writes on both capture modes", async () => {
    const script = "printf '\\342'; sleep 0.2; printf '\\234\\224 done\\n'";
    const all = await runProcess(["bash", "-c", script], { cwd: tmpdir(), env, output: { mode: "all" } });
    expect(all.stdout).toBe("✔ done\n");
    expect(all.interleaved).toBe("✔ done\n");
  });

  it("passes stdin to the process", async () => {
    const result = await runProcess(["cat"], {
      cwd: tmpdir(),
      env,
      stdin: "hello\n",
      output: { mode: "all" },
    });
    expect(result.stdout).toBe("hello\n");
  });

  it("ends the whole process tree when aborted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const pidFile = join(dir, "child.pid");
    const controller = new AbortController();
    let group = 0;
    const pending = runProcess(["bash", "-c", `sleep 60 & echo $! > ${pidFile}; wait`], {
      cwd: dir,
      env,
      signal: controller.signal,
      killGraceMs: 200,
      output: { mode: "lines" },
      onSpawn: ({ pid }) => {
        group = pid;
      },
    });
    await waitUntil(async () => (await readFile(pidFile, "utf8").catch(() => "")) !== "");
    controller.abort();
    const result = await pending;
    expect(result.interrupted).toBe(true);
    const child = Number(await readFile(pidFile, "utf8"));
    expect(await waitUntil(async () => !(await running(child)))).toBe(true);
    expect(await groupRunning(group)).toBe(false);
  });

  it("kills what the command left in its group when it exits", async () => {
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const pidFile = join(dir, "left.pid");
    const result = await runProcess(["bash", "-c", `sleep 60 & echo $! > ${pidFile}`], {
      cwd: dir,
      env,
      output: { mode: "lines" },
    });
    expect(result.exitCode).toBe(0);
    const left = Number(await readFile(pidFile, "utf8"));
    expect(await waitUntil(async () => !(await running(left)))).toBe(true);
  });

  it("leaves no timer behind that would keep the CLI alive after its last process", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    await runProcess(["true"], { cwd: tmpdir(), env, timeoutMs: 60_000, output: { mode: "all" } });
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("does not call a command timed out that ended in time, while what it left behind is being ended", async () => {
    // The leader exits once its leftover ignores SIGTERM, so cleanup outlasts the timeout.
    const dir = await mkdtemp(join(tmpdir(), "proc-"));
    const script =
      "(trap '' TERM; touch ready; exec sleep 5) & until [ -e ready ]; do sleep 0.01; done; exit 0";
    const result = await runProcess(["bash", "-c", script], {
      cwd: dir,
      env,
      timeoutMs: 300,
      killGraceMs: 1000,
      output: { mode: "lines" },
    });
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, interrupted: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(300); // the timeout's moment came and went during cleanup
  });

  it("does not start at all when already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await runProcess(["true"], {
      cwd: tmpdir(),
      env,
      signal: controller.signal,
      output: { mode: "all" },
    });
    expect(result).toMatchObject({ interrupted: true, exitCode: null, startFailure: undefined });
  });

  it("says which program was not found, and which folder is missing", async () => {
    const missing = await runProcess(["no-such-program-xyz"], {
      cwd: tmpdir(),
      env,
      output: { mode: "all" },
    });
    expect(missing.startFailure).toEqual({
      kind: "not-found",
      message: "no-such-program-xyz was not found on PATH",
    });
    const noFolder = await runProcess(["true"], { cwd: "/no/such/folder", env, output: { mode: "all" } });
    expect(noFolder.startFailure?.kind).toBe("cwd-missing");
    expect(noFolder.startError).toBe("true could not start in /no/such/folder: that folder does not exist");
  });

  it("refuses a timeout of 2^31 ms or more, which a Node timer would fire at once", async () => {
    const attempt = runProcess(["true"], { cwd: tmpdir(), env, timeoutMs: 2 ** 31, output: { mode: "all" } });
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(attempt).rejects.toThrow(/longer than the longest timer Node can hold/);
  });
});

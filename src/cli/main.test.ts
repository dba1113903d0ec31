import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { GitError, LockHeldError, UserError } from "../errors/index.ts";
import type { CliIO } from "./io.ts";
import { reportError } from "./report-error.ts";

describe("usage", () => {
  it("orchestrator help prints the usage and exits 0", async () => {
    const result = await runInProcess(["help"], tmpdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: orchestrator \[options\] \[command\] \[stage\]/);
    expect(result.stdout).toContain("Exit codes: 0 green, 1 failed or give_up");
    expect(result.stderr).toBe("");
  });

  it("orchestrator help <command> prints that command's usage", async () => {
    const result = await runInProcess(["help", "status"], tmpdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: orchestrator status \[options\]/);
  });

  it.each([
    [["status", "--jsn"], "error: unknown option '--jsn'"],
    [["explain"], "error: missing required argument 'stage'"],
    [["diagnostics", "check", "--", "kubectl get nodes"], "required option '--stage <stage>' not specified"],
    [["fixes", "forget"], "error: missing required argument 'id'"],
    [["patches", "chek", "x.diff"], "error: too many arguments for 'patches'"],
    [["diagnostics", "chek"], "error: unknown command 'chek'"],
    [["talos", "extra"], "error: too many arguments"],
    [[], "Usage: orchestrator"],
  ])("orchestrator %j is a usage error: exit 2, said on stderr", async (args, message) => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: echo ok") });
    const result = await runInProcess(args, repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });
});

describe("orchestrator status exit code", () => {
  it("is 1 while a stage is in give_up, and 0 again after --reset", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok\n  talos:\n    command: exit 1"),
    });
    expect((await runInProcess(["vms"], repo)).code).toBe(0);
    expect((await runInProcess(["status"], repo)).code).toBe(0);
    expect((await runInProcess(["talos"], repo)).code).toBe(1);
    const gaveUp = await runInProcess(["status", "--json"], repo);
    expect(gaveUp.code).toBe(1);
    expect(JSON.parse(gaveUp.stdout).stages[1].status).toBe("give_up");
    expect((await runInProcess(["talos", "--reset"], repo)).code).toBe(0);
    expect((await runInProcess(["status"], repo)).code).toBe(0);
  });
});

describe("a homelab repo in a sub-folder of a git repo", () => {
  it("is found by patches, status and fixes, from the sub-folder and from a folder inside it", async () => {
    const top = makeHomelabRepo({
      "README.md": "monorepo\n",
      "homelab/ai/context_map.yaml": contextMap("  talos:\n    command: echo ok"),
      "homelab/config/clusters/lab.yaml": "proxmox: {}\n",
    });
    const homelab = join(top, "homelab");
    for (const cwd of [homelab, join(homelab, "config", "clusters")]) {
      const patches = await runInProcess(["patches"], cwd);
      expect(patches).toEqual({ code: 0, stdout: "no AI patches on ai/orchestrator-stage1\n", stderr: "" });
      const status = await runInProcess(["status", "--json"], cwd);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).repo).toBe(homelab);
      const fixes = await runInProcess(["fixes"], cwd);
      expect(fixes.code).toBe(0);
      expect(fixes.stdout).toContain("no remembered fixes yet");
    }
    expect(git(top, "status", "--porcelain")).toBe("");
  });

  it("runs a stage in the homelab's own folder inside the AI worktree", async () => {
    const top = makeHomelabRepo({
      "README.md": "monorepo\n",
      "homelab/ai/context_map.yaml": contextMap("  talos:\n    command: test -f config/clusters/lab.yaml"),
      "homelab/config/clusters/lab.yaml": "proxmox: {}\n",
    });
    const run = await runInProcess(["talos"], join(top, "homelab"));
    expect(run.code).toBe(0);
  });
});

describe("errors", () => {
  function capture(): { io: CliIO; stderr(): string } {
    let text = "";
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const io: CliIO = { cwd: "/", env: {}, stdin: process.stdin, stdout: sink, stderr: sink };
    return { io, stderr: () => text };
  }

  it("prints the tool's own errors as one line with their exit code, no stack", () => {
    const cases: [Error, number, string][] = [
      [new UserError("unknown stage"), 2, "orchestrator: unknown stage\n"],
      [
        new LockHeldError(42, "host", "then"),
        3,
        expect.stringMatching(/^orchestrator: another .*\n$/) as never,
      ],
      [
        new GitError(["commit"], 128, "fatal: disk full", "git commit failed (exit 128):\nfatal: disk full"),
        1,
        "orchestrator: git commit failed (exit 128): fatal: disk full\n",
      ],
    ];
    for (const [error, exitCode, line] of cases) {
      const { io, stderr } = capture();
      expect(reportError(error, io)).toBe(exitCode);
      expect(stderr()).toEqual(line);
    }
  });

  it("prints anything else as a bug, with its stack, and exits 70", () => {
    const { io, stderr } = capture();
    expect(reportError(new TypeError("x is undefined"), io)).toBe(70);
    expect(stderr()).toMatch(
      /^orchestrator: internal error \(a bug; please report it\):\nTypeError: x is undefined\n\s+at /,
    );
  });
});

describe("-C", () => {
  it("names the repo relative to the working folder, for sub-commands too", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  talos:\n    command: echo ok") });
    const result = await runInProcess(["-C", basename(repo), "status"], dirname(repo));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^STAGE\s+STATUS/);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GitError, RuntimeFailure, UserError } from "../../errors/index.ts";
import { commitIdentityEnv, FALLBACK_IDENTITY, git } from "./index.ts";

const folder = mkdtempSync(join(tmpdir(), "git-adapter-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const env = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };

describe("git", () => {
  it("runs git with argv and returns its output", async () => {
    await git(["init", "--quiet", "--initial-branch=main"], { cwd: folder, env });
    const result = await git(["rev-parse", "--is-inside-work-tree"], { cwd: folder, env });
    expect(result).toEqual({ stdout: "true\n", stderr: "", exitCode: 0 });
  });

  it("throws a GitError naming the command, exit code and stderr", async () => {
    const failure = git(["rev-parse", "--verify", "no-such-ref"], { cwd: folder, env });
    await expect(failure).rejects.toBeInstanceOf(GitError);
    await expect(failure).rejects.toThrow(
      /^git rev-parse --verify no-such-ref failed \(exit 128\): fatal: Needed a single revision$/,
    );
  });

  it("makes a git failure a runtime failure (exit 1), not a usage error (exit 2)", async () => {
    const error = await git(["rev-parse", "--verify", "no-such-ref"], { cwd: folder, env }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RuntimeFailure);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as GitError).exitCode).toBe(1);
    expect((error as GitError).gitExitCode).toBe(128);
  });

  it("returns the failure instead when asked to", async () => {
    const result = await git(["rev-parse", "--verify", "--quiet", "no-such-ref"], {
      cwd: folder,
      env,
      allowFailure: true,
    });
    expect(result.exitCode).toBe(1);
  });

  it("passes stdin and never prompts, in the C locale", async () => {
    const result = await git(["hash-object", "--stdin"], { cwd: folder, env, input: "hello\n" });
    expect(result.stdout.trim()).toBe("ce013625030ba8dba906f756967f9e9ca394464a");
    const shown = await git(["-c", "alias.showenv=!env", "showenv"], { cwd: folder, env });
    expect(shown.stdout.split("\n")).toEqual(expect.arrayContaining(["GIT_TERMINAL_PROMPT=0", "LC_ALL=C"]));
  });

  it("falls back to the tool's identity only when the repo has none", async () => {
    const saved = { ...process.env };
    for (const name of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]) {
      delete process.env[name];
    }
    Object.assign(process.env, env);
    try {
      expect(await commitIdentityEnv(folder)).toMatchObject({ GIT_AUTHOR_NAME: FALLBACK_IDENTITY.name });
      await git(["config", "user.name", "Human"], { cwd: folder });
      await git(["config", "user.email", "human@example.invalid"], { cwd: folder });
      expect(await commitIdentityEnv(folder)).toEqual({});
    } finally {
      process.env = saved;
    }
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git } from "../../src/adapters/git/index.ts";
import { type GitHttpServer, startGitHttpServer } from "./git-http.ts";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Lab",
  GIT_AUTHOR_EMAIL: "lab@lab.lan",
  GIT_COMMITTER_NAME: "Lab",
  GIT_COMMITTER_EMAIL: "lab@lab.lan",
};

let server: GitHttpServer | undefined;
let dir = "";

afterEach(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the lab's git server over smart HTTP", () => {
  it("takes a push of main to a new repository and serves it to a clone, as a LAN Gitea would", async () => {
    dir = mkdtempSync(join(tmpdir(), "git-http-"));
    server = await startGitHttpServer(dir);
    const url = await server.createRepo("lab/homelab");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lab\/homelab\.git$/);
    const work = join(dir, "work");
    await git(["init", "--quiet", "--initial-branch", "main", work], { cwd: dir });
    writeFileSync(join(work, "README.md"), "homelab\n");
    await git(["add", "README.md"], { cwd: work });
    await git(["commit", "--quiet", "-m", "first"], { cwd: work, env: IDENTITY });
    await git(["remote", "add", "origin", url], { cwd: work });
    await git(["push", "--quiet", "origin", "main"], { cwd: work });

    const clone = join(dir, "clone");
    await git(["clone", "--quiet", "--branch", "main", url, clone], { cwd: dir });
    expect(readFileSync(join(clone, "README.md"), "utf8")).toBe("homelab\n");
  });

  it("answers 404 for a repository it does not serve, which git reports as not found", async () => {
    dir = mkdtempSync(join(tmpdir(), "git-http-"));
    server = await startGitHttpServer(dir);
    const result = await git(["ls-remote", `${server.baseUrl}nobody/nothing.git`], {
      cwd: dir,
      allowFailure: true,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/not found/);
  });
});

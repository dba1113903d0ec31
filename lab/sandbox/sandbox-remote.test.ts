import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { git } from "../../src/adapters/git/index.ts";
import { type SandboxLab, startSandboxLab } from "./index.ts";
import { publishToLab, writeRepoFiles } from "./publish.ts";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Lab",
  GIT_AUTHOR_EMAIL: "lab@lab.lan",
  GIT_COMMITTER_NAME: "Lab",
  GIT_COMMITTER_EMAIL: "lab@lab.lan",
};

let dir = "";
let lab: SandboxLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("the sandbox lab's git remote and forge", () => {
  it("takes the user's push of main, names it in the cluster file, and offers its forge to GitOps delivery", async () => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-remote-"));
    lab = await startSandboxLab(join(dir, "lab"));
    expect(lab.git.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lab\/homelab\.git$/);
    expect(lab.clusterFile()).toContain(`url: ${lab.git.url}, branch: main, path: kubernetes/flux/cluster`);
    expect(lab.fluxTree()["kubernetes/flux/cluster/flux-system/gotk-sync.yaml"]).toContain(
      `url: ${lab.git.url}`,
    );
    expect(lab.forge.env("auto")).toEqual({
      GITOPS_APPROVAL: "auto",
      GITOPS_FORGE: "github",
      GITOPS_API_URL: lab.forge.apiUrl,
      GITOPS_REPO: "lab/homelab",
      GITOPS_TOKEN: lab.forge.token,
    });
    const repo = join(dir, "homelab");
    await git(["init", "--quiet", "--initial-branch", "main", repo], { cwd: dir });
    await writeRepoFiles(repo, Object.entries(lab.fluxTree()));
    await git(["add", "-A"], { cwd: repo });
    await git(["commit", "--quiet", "-m", "homelab"], { cwd: repo, env: IDENTITY });
    await publishToLab(repo, lab);
    const head = (await git(["rev-parse", "main"], { cwd: repo })).stdout.trim();
    expect((await git(["rev-parse", "main"], { cwd: lab.git.bareRepo })).stdout.trim()).toBe(head);
  });

  it("comes back on the same URL with what was pushed, when brought back with its world", async () => {
    dir = mkdtempSync(join(tmpdir(), "sandbox-remote-"));
    lab = await startSandboxLab(join(dir, "lab"));
    const { url } = lab.git;
    const repo = join(dir, "homelab");
    await git(["init", "--quiet", "--initial-branch", "main", repo], { cwd: dir });
    await git(["commit", "--quiet", "--allow-empty", "-m", "homelab"], { cwd: repo, env: IDENTITY });
    await publishToLab(repo, lab);
    await lab.close();
    lab = await startSandboxLab(join(dir, "lab"), {}, { keepWorld: true });
    expect(lab.git.url).toBe(url);
    const listed = await git(["ls-remote", url, "refs/heads/main"], { cwd: dir });
    expect(listed.stdout).toContain("refs/heads/main");
  });
});

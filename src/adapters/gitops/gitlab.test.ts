import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGitHttpServer } from "../../../lab/gitops/git-http.ts";
import { startPullRequestServer } from "../../../lab/gitops/pull-request-server.ts";
import { git, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { gitopsConfigFrom } from "./config.ts";
import { deliverFix } from "./deliver.ts";
import { gotkSync, RELEASE, releaseWithPort } from "./forge.fixture.ts";
import { mergeRequestsOn } from "./gitlab-merge-request.ts";
import { projectPath } from "./port.ts";
import { type ForgeRepo, pullRequestsOn } from "./pull-request.ts";
import { type FluxSource, findFluxSource } from "./source.ts";

const AI_BRANCH = "ai/orchestrator-stage1";
const TOKEN = "glpat-lab-token";
const QUICK = { attempts: 5, delayMs: 1 };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A homelab repo whose Flux syncs main of a GitLab project (group/homelab) on loopback, and an AI fix. */
async function homelabOnGitlab(options: { checkingMerges?: number; conflict?: boolean } = {}) {
  const base = mkdtempSync(join(tmpdir(), "gitlab-"));
  const gitServer = await startGitHttpServer(base);
  cleanups.push(
    () => rmSync(base, { recursive: true, force: true }),
    () => gitServer.close(),
  );
  const repo = makeHomelabRepo({
    "kubernetes/flux/flux-system/gotk-sync.yaml": gotkSync(`${gitServer.baseUrl}lab/homelab.git`),
    [RELEASE]: releaseWithPort(9091),
  });
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  await gitServer.createRepo("lab/homelab", { from: repo });
  const remote = join(base, "lab", "homelab.git");
  git(repo, "switch", "-q", "-c", AI_BRANCH);
  writeFileSync(join(repo, RELEASE), releaseWithPort(9090));
  git(repo, "commit", "-qam", "ai(obs): serve Prometheus on 9090");
  git(repo, "switch", "-q", "main");
  if (options.conflict) {
    // Someone else changed the same line on the remote's main since.
    const other = mkdtempSync(join(tmpdir(), "other-"));
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    git(other, "clone", "-q", remote, ".");
    writeFileSync(join(other, RELEASE), releaseWithPort(9092));
    git(other, "-c", "user.name=o", "-c", "user.email=o@x", "commit", "-qam", "other");
    git(other, "push", "-q", "origin", "main");
  }
  const forge = await startPullRequestServer({
    flavor: "gitlab",
    token: TOKEN,
    repos: { "lab/homelab": remote },
    ...(options.checkingMerges === undefined ? {} : { checkingMerges: options.checkingMerges }),
  });
  cleanups.push(() => forge.close());
  const forgeRepo = {
    kind: "gitlab" as const,
    apiUrl: forge.apiUrl,
    owner: "lab",
    repo: "homelab",
    token: TOKEN,
  };
  const source = (await findFluxSource(repo)) as FluxSource;
  const onMain = () => git(remote, "show", `main:${RELEASE}`);
  return { repo, forge, forgeRepo, source, onMain };
}

/** auto: open the merge request and merge it at once, asking again quickly while GitLab checks. */
const mergeAtOnce = (repo: string, source: FluxSource, forgeRepo: ForgeRepo) =>
  deliverFix({
    repoRoot: repo,
    aiBranch: AI_BRANCH,
    source,
    pulls: mergeRequestsOn(forgeRepo, fetch, QUICK),
    approval: "auto",
    title: "t",
    body: "b",
  });

describe("GitOps delivery through a GitLab merge request on a loopback forge", () => {
  it("with auto, opens a merge request from the AI branch and merges it through the API", async () => {
    const { repo, forge, forgeRepo, source, onMain } = await homelabOnGitlab();
    const delivery = await deliverFix({
      repoRoot: repo,
      aiBranch: AI_BRANCH,
      source,
      pulls: pullRequestsOn(forgeRepo),
      approval: "auto",
      title: "fix(obs): serve Prometheus on 9090",
      body: "The obs stage failed; this is its fix.",
    });
    expect(delivery).toEqual({
      pull: { number: 1, url: `${forge.apiUrl.replace("/api/v4", "")}/lab/homelab/-/merge_requests/1` },
      merged: true,
    });
    expect(forge.pulls[0]).toMatchObject({
      head: AI_BRANCH,
      base: "main",
      title: "fix(obs): serve Prometheus on 9090",
      body: "The obs stage failed; this is its fix.",
      merged: true,
    });
    expect(onMain()).toContain("port: 9090");
    expect(git(repo, "show", `main:${RELEASE}`)).toContain("port: 9091");
  });

  it("with propose, a second fix rides on the open merge request, which counts as merged once a human merges it", async () => {
    const { repo, forge, forgeRepo, source, onMain } = await homelabOnGitlab();
    const pulls = pullRequestsOn(forgeRepo);
    const input = {
      repoRoot: repo,
      aiBranch: AI_BRANCH,
      source,
      pulls,
      approval: "propose" as const,
      body: "b",
    };
    const first = await deliverFix({ ...input, title: "first" });
    const second = await deliverFix({ ...input, title: "second" });
    expect(first.merged).toBe(false);
    expect(second.pull).toEqual(first.pull);
    expect(forge.pulls).toHaveLength(1);
    expect(await pulls.isMerged(first.pull.number)).toBe(false);
    await forge.mergeAsHuman(first.pull.number);
    expect(await pulls.isMerged(first.pull.number)).toBe(true);
    expect(onMain()).toContain("port: 9090");
  });

  it("asks again while GitLab is still checking whether the merge request can be merged", async () => {
    const { repo, forgeRepo, source, onMain } = await homelabOnGitlab({ checkingMerges: 2 });
    const delivery = await mergeAtOnce(repo, source, forgeRepo);
    expect(delivery.merged).toBe(true);
    expect(onMain()).toContain("port: 9090");
  });

  it("says a conflicting merge request cannot be merged, with GitLab's answer", async () => {
    const { repo, forgeRepo, source } = await homelabOnGitlab({ conflict: true });
    await expect(mergeAtOnce(repo, source, forgeRepo)).rejects.toThrow(
      'merging merge request !1 on lab/homelab failed: HTTP 406 {"message":"Branch cannot be merged"}',
    );
  });

  it("says which project refused the token, without showing it", async () => {
    const { forgeRepo } = await homelabOnGitlab();
    const opened = pullRequestsOn({ ...forgeRepo, token: "glpat-wrong" }).open({
      title: "t",
      body: "b",
      head: AI_BRANCH,
      base: "main",
    });
    await expect(opened).rejects.toThrow(
      "gitlab refused the token for lab/homelab (HTTP 401): give a token with the api scope that may open and merge merge requests",
    );
    await expect(opened).rejects.not.toThrow("glpat-wrong");
  });

  it("addresses a project in a subgroup by its whole path, URL-encoded", async () => {
    const seen: string[] = [];
    const recording = (async (url: string | URL | Request) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ message: "404 Project Not Found" }), { status: 404 });
    }) as typeof fetch;
    const pulls = pullRequestsOn(
      {
        kind: "gitlab",
        apiUrl: "https://gitlab.example.com/api/v4/",
        owner: "home/lab",
        repo: "ops",
        token: "t",
      },
      recording,
    );
    await expect(pulls.isMerged(3)).rejects.toThrow(
      "reading merge request !3 on home/lab/ops failed: HTTP 404",
    );
    expect(seen).toEqual(["https://gitlab.example.com/api/v4/projects/home%2Flab%2Fops/merge_requests/3"]);
    expect(projectPath("ssh://git@gitlab.com/home/lab/ops.git")).toBe("home/lab/ops");
    expect(projectPath("git@gitlab.com:home/lab/ops.git")).toBe("home/lab/ops");
  });
});

describe("GitLab delivery settings", () => {
  it("defaults to gitlab.com's API and accepts a project in a subgroup", async () => {
    expect(
      await gitopsConfigFrom(
        {
          GITOPS_APPROVAL: "propose",
          GITOPS_FORGE: "gitlab",
          GITOPS_TOKEN: "t",
          GITOPS_REPO: "home/lab/ops",
        },
        "/repo",
      ),
    ).toMatchObject({ forge: "gitlab", apiUrl: "https://gitlab.com/api/v4", repo: "home/lab/ops" });
  });

  it("refuses a GITOPS_REPO that is no project path, naming the variable", async () => {
    await expect(
      gitopsConfigFrom(
        { GITOPS_APPROVAL: "auto", GITOPS_FORGE: "gitlab", GITOPS_TOKEN: "t", GITOPS_REPO: "ops" },
        "/r",
      ),
    ).rejects.toThrow('GITOPS_REPO is "ops": expected group/project (or group/subgroup/project)');
  });
});

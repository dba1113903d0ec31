import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type GitHttpServer, startGitHttpServer } from "../../../lab/gitops/git-http.ts";
import { type PullRequestServer, startPullRequestServer } from "../../../lab/gitops/pull-request-server.ts";
import { git, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { deliverFix } from "./deliver.ts";
import { gotkSync, RELEASE, releaseWithPort } from "./forge.fixture.ts";
import { type ForgeKind, pullRequestsOn } from "./pull-request.ts";
import { findFluxSource } from "./source.ts";

const AI_BRANCH = "ai/orchestrator-stage1";
const TOKEN = "lab-forge-token";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A homelab repo whose Flux syncs main from a bare repo on a loopback git server (git http-backend), and an AI fix. */
async function homelabWithForge(kind: ForgeKind) {
  const base = mkdtempSync(join(tmpdir(), "forge-"));
  const gitServer: GitHttpServer = await startGitHttpServer(base);
  cleanups.push(
    () => rmSync(base, { recursive: true, force: true }),
    () => gitServer.close(),
  );
  const url = `${gitServer.baseUrl}lab/homelab.git`;
  const repo = makeHomelabRepo({
    "kubernetes/flux/flux-system/gotk-sync.yaml": gotkSync(url),
    [RELEASE]: releaseWithPort(9091),
  });
  cleanups.push(() => rmSync(repo, { recursive: true, force: true }));
  await gitServer.createRepo("lab/homelab", { from: repo });
  git(repo, "switch", "-q", "-c", AI_BRANCH);
  writeFileSync(join(repo, RELEASE), releaseWithPort(9090));
  git(repo, "commit", "-qam", "ai(obs): serve Prometheus on 9090, where the checks read it");
  git(repo, "switch", "-q", "main");
  const forge: PullRequestServer = await startPullRequestServer({
    flavor: kind,
    token: TOKEN,
    repos: { "lab/homelab": join(base, "lab", "homelab.git") },
  });
  cleanups.push(() => forge.close());
  const pulls = pullRequestsOn({ kind, apiUrl: forge.apiUrl, owner: "lab", repo: "homelab", token: TOKEN });
  const onMain = () => git(join(base, "lab", "homelab.git"), "show", `main:${RELEASE}`);
  return { repo, url, forge, pulls, onMain };
}

describe("GitOps delivery through a pull request on a loopback forge", () => {
  it("finds the source Flux syncs: URL, branch and path", async () => {
    const { repo, url } = await homelabWithForge("github");
    expect(await findFluxSource(repo)).toEqual({
      name: "flux-system",
      namespace: "flux-system",
      url,
      branch: "main",
      path: "kubernetes/flux",
      file: "kubernetes/flux/flux-system/gotk-sync.yaml",
    });
  });

  it("with auto, pushes the AI branch, opens a GitHub pull request and merges it through the API", async () => {
    const { repo, forge, pulls, onMain } = await homelabWithForge("github");
    const source = await findFluxSource(repo);
    if (!source) {
      throw new Error("no Flux source found");
    }
    const delivery = await deliverFix({
      repoRoot: repo,
      aiBranch: AI_BRANCH,
      source,
      pulls,
      approval: "auto",
      title: "obs: serve Prometheus on 9090",
      body: "The obs stage's check prometheus-targets-up failed; this fix makes it pass.",
    });
    expect(delivery).toEqual({ pull: { number: 1, url: expect.stringMatching(/\/pull\/1$/) }, merged: true });
    expect(forge.pulls[0]).toMatchObject({ head: AI_BRANCH, base: "main", merged: true });
    expect(onMain()).toContain("port: 9090");
    // The user's own checkout is untouched.
    expect(git(repo, "show", `main:${RELEASE}`)).toContain("port: 9091");
  });

  it("with propose, opens a Gitea pull request and waits for the human's merge", async () => {
    const { repo, forge, pulls, onMain } = await homelabWithForge("gitea");
    const source = await findFluxSource(repo);
    if (!source) {
      throw new Error("no Flux source found");
    }
    const delivery = await deliverFix({
      repoRoot: repo,
      aiBranch: AI_BRANCH,
      source,
      pulls,
      approval: "propose",
      title: "obs: serve Prometheus on 9090",
      body: "proposed",
    });
    expect(delivery.merged).toBe(false);
    expect(onMain()).toContain("port: 9091");
    // A second fix while the first pull request is open rides on the same pull request.
    const again = await deliverFix({
      repoRoot: repo,
      aiBranch: AI_BRANCH,
      source,
      pulls,
      approval: "propose",
      title: "obs: a second fix",
      body: "proposed",
    });
    expect(again.pull).toEqual(delivery.pull);
    expect(forge.pulls).toHaveLength(1);
    await forge.mergeAsHuman(delivery.pull.number);
    expect(await pulls.isMerged(delivery.pull.number)).toBe(true);
    expect(onMain()).toContain("port: 9090");
  });

  it("says which repo refused the token, without showing it", async () => {
    const { forge } = await homelabWithForge("github");
    const wrong = pullRequestsOn({
      kind: "github",
      apiUrl: forge.apiUrl,
      owner: "lab",
      repo: "homelab",
      token: "nope",
    });
    const opened = wrong.open({ title: "t", body: "b", head: AI_BRANCH, base: "main" });
    await expect(opened).rejects.toThrow(
      "github refused the token for lab/homelab (HTTP 401): give a token that may open and merge pull requests",
    );
  });
});

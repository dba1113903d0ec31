import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGitDaemon } from "../../lab/gitops/git-daemon.ts";
import { startPullRequestServer } from "../../lab/gitops/pull-request-server.ts";
import { runInProcess, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

const RELEASE = "kubernetes/apps/observability/kps/helmrelease.yaml";

/** The obs stage as Flux sees it: the HelmRelease on the branch Flux syncs, on the remote. */
const OBS = `#!/usr/bin/env bash
if ! git --git-dir "$REMOTE" show main:${RELEASE} | grep -q 'port: 9090'; then
  echo "Error: HelmRelease observability/kps is not Ready: Prometheus service port 9091 is not the port the checks read" >&2
  exit 1
fi
echo "kps Ready"
`;

/** A CLI agent stand-in that fixes the HelmRelease in the AI worktree. */
const AGENT = `#!/usr/bin/env bash
sed -i 's/port: 9091/port: 9090/' ${RELEASE}
echo "serve Prometheus on 9090"
`;

const gotkSync = (url: string) =>
  [
    "apiVersion: source.toolkit.fluxcd.io/v1",
    "kind: GitRepository",
    "metadata: { name: flux-system, namespace: flux-system }",
    `spec: { interval: 1m, url: "${url}", ref: { branch: main } }`,
    "---",
    "apiVersion: kustomize.toolkit.fluxcd.io/v1",
    "kind: Kustomization",
    "metadata: { name: flux-system, namespace: flux-system }",
    "spec: { interval: 10m, path: ./kubernetes/flux, prune: true, sourceRef: { kind: GitRepository, name: flux-system } }",
    "",
  ].join("\n");

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function homelab(approval: "auto" | "propose") {
  // A project in a subgroup, as GitLab nests them, addressed by its whole path.
  const base = mkdtempSync(join(tmpdir(), "forge-"));
  const daemon = await startGitDaemon(base);
  cleanups.push(
    () => rmSync(base, { recursive: true, force: true }),
    () => daemon.close(),
  );
  const tools = mkdtempSync(join(tmpdir(), "agent-"));
  writeFileSync(join(tools, "agent.sh"), AGENT, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      '  obs:\n    command: ./obs.sh\n    files: ["kubernetes/apps/observability/**"]',
      "  executor_retry_threshold: 3\n  api_call_budget: 0",
    ),
    "kubernetes/flux/flux-system/gotk-sync.yaml": gotkSync(`${daemon.baseUrl}home/lab/homelab.git`),
    [RELEASE]: "spec:\n  values:\n    prometheus:\n      service:\n        port: 9091\n",
    "obs.sh": OBS,
  });
  cleanups.push(
    () => rmSync(repo, { recursive: true, force: true }),
    () => rmSync(tools, { recursive: true }),
  );
  await daemon.createRepo("home/lab/homelab", { from: repo });
  const remote = join(base, "home", "lab", "homelab.git");
  const forge = await startPullRequestServer({
    flavor: "gitlab",
    token: "glpat-t0ken",
    repos: { "home/lab/homelab": remote },
  });
  cleanups.push(() => forge.close());
  const env = testEnv({
    REMOTE: remote,
    EXECUTOR: "command",
    EXECUTOR_COMMAND: join(tools, "agent.sh"),
    GITOPS_APPROVAL: approval,
    GITOPS_FORGE: "gitlab",
    GITOPS_API_URL: forge.apiUrl,
    GITOPS_TOKEN: "glpat-t0ken",
    GITOPS_MERGE_WAIT: "10ms",
  });
  return { repo, remote, forge, env };
}

describe("a fault in the Flux tree, fixed through a GitLab merge request on a loopback forge", () => {
  it("with auto: pushed, merge request opened, merged through the API, synced, green", async () => {
    const { repo, remote, forge, env } = await homelab("auto");
    const result = await runInProcess(["obs"], repo, { env });
    expect(result.stdout).toBe("obs: green\n");
    expect(result.code).toBe(0);
    expect(forge.pulls).toMatchObject([
      { number: 1, head: "ai/orchestrator-stage1", base: "main", merged: true },
    ]);
    expect(forge.pulls[0]?.body).toContain(`| \`${RELEASE}\` |`);
    expect(git(remote, "show", `main:${RELEASE}`)).toContain("port: 9090");
    expect(git(repo, "show", `main:${RELEASE}`)).toContain("port: 9091");
  });

  it("with propose: gives up naming the merge request when nobody merges it", async () => {
    const { repo, forge, env } = await homelab("propose");
    const result = await runInProcess(["obs"], repo, { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^obs: give_up — the fix is ready in pull request #1 \(http:\/\/127\.0\.0\.1:\d+\/home\/lab\/homelab\/-\/merge_requests\/1\) and only a merge is missing/,
    );
    expect(forge.pulls[0]?.merged).toBe(false);
  });
});

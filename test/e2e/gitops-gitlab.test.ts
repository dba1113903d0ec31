import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGitDaemon } from "../../lab/gitops/git-daemon.ts";
import { startPullRequestServer } from "../../lab/gitops/pull-request-server.ts";
import {
  FIX_AGENT,
  gotkSync,
  OBS_STAGE,
  RELEASE,
  releaseWithPort,
} from "../../src/adapters/gitops/forge.fixture.ts";
import { runInProcess, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

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
  writeFileSync(join(tools, "agent.sh"), FIX_AGENT, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      '  obs:\n    command: ./obs.sh\n    files: ["kubernetes/apps/observability/**"]',
      "  executor_retry_threshold: 3\n  api_call_budget: 0",
    ),
    "kubernetes/flux/flux-system/gotk-sync.yaml": gotkSync(`${daemon.baseUrl}home/lab/homelab.git`),
    [RELEASE]: releaseWithPort(9091),
    "obs.sh": OBS_STAGE,
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

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CILIUM_MANIFEST,
  LAB_DEPLOY_KEY,
  type SandboxLab,
  startSandboxLab,
} from "../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../lab/sandbox/publish.ts";
import { CLUSTER_FILE, FAULTS, type RepoFiles } from "../../src/qualify/faults.ts";
import { CLI, runInProcess, testEnv } from "../helpers/cli.ts";
import { GIT_ENV, git } from "../helpers/homelab-repo.ts";

/**
 * A fault in the Flux tree fixed end to end through a pull request. The
 * sandbox lab serves the repo (git over HTTP on loopback) and a GitHub-shaped forge; its Flux
 * syncs `main` of that remote and decides Ready from the manifests; the six built-in stages run
 * for real (`orchestrator all`, each stage `orchestrator step <stage>` of the built CLI: run
 * `npm run build` first). The fixer is a CLI-agent stand-in (EXECUTOR=command) that makes the
 * fault's correct fix in the AI worktree.
 */

const FAULT = FAULTS.find((fault) => fault.id === "apps-helm-value-refused");
const ECHO_RELEASE = "kubernetes/apps/default/echo/app/helmrelease.yaml";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A fresh homelab repo with the fault, pushed to the lab's remote, as a user would set it up. */
async function homelab(approval: "auto" | "propose", mergeWait = "10ms") {
  if (!FAULT?.fix) {
    throw new Error("the fault library has no apps-helm-value-refused");
  }
  const root = mkdtempSync(join(tmpdir(), "gitops-lab-"));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const lab: SandboxLab = await startSandboxLab(join(root, "lab"));
  cleanups.push(() => lab.close());
  const agent = join(root, "agent.sh");
  // The agent's fix, as a person would type it: the port as the number the chart's schema wants.
  writeFileSync(
    agent,
    `#!/usr/bin/env bash\nsed -i 's#${FAULT.fix.search}#${FAULT.fix.replace}#' ${FAULT.fix.file}\necho "echo's service port is a number again"\n`,
    { mode: 0o755 },
  );
  const repo = join(root, "homelab");
  const env = testEnv({
    ...lab.env,
    ...lab.forge.env(approval),
    ...GIT_ENV,
    // The stages run `orchestrator step <stage>`: this checkout's built CLI, first on PATH.
    PATH: `${dirname(CLI)}:${lab.env["PATH"]}`,
    EXECUTOR: "command",
    EXECUTOR_COMMAND: agent,
    GITOPS_MERGE_WAIT: mergeWait,
  });
  const userEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  git(root, "init", "-q", "-b", "main", repo);
  expect((await runInProcess(["init"], repo, { env })).code).toBe(0);
  const files: RepoFiles = new Map([
    [CLUSTER_FILE, lab.clusterFile()],
    ["kubernetes/bootstrap/20-cilium.yaml", CILIUM_MANIFEST],
    ["deploy.key", LAB_DEPLOY_KEY],
    ...Object.entries(lab.fluxTree()),
  ]);
  FAULT.repo?.(files);
  await writeRepoFiles(repo, files);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "homelab");
  await publishToLab(repo, lab, userEnv);
  return { lab, repo, env };
}

async function journal(repo: string): Promise<{ type: string; [key: string]: unknown }[]> {
  return (await readFile(join(repo, "ai", "state", "journal.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string });
}

const remoteFile = (lab: SandboxLab, path: string) => git(lab.git.bareRepo, "show", `main:${path}`);

/** The human pressing merge on pull request #n: GitHub's "Merge a pull request". */
const mergeThroughTheApi = (lab: SandboxLab, number: number) =>
  fetch(`${lab.forge.apiUrl}/repos/${lab.forge.repo}/pulls/${number}/merge`, {
    method: "PUT",
    headers: { authorization: `Bearer ${lab.forge.token}`, "content-type": "application/json" },
    body: JSON.stringify({ merge_method: "merge" }),
  });

describe("a fault in the Flux tree, fixed through a pull request on the lab's forge", {
  tags: ["slow"],
  timeout: 240_000,
}, () => {
  it("with auto: pushed, proposed, merged through the API, reconciled by the lab's Flux, all six stages green, no human", async () => {
    const { lab, repo, env } = await homelab("auto");
    const result = await runInProcess(["all"], repo, { env });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/apps: green/);
    expect(result.stdout).toMatch(/obs: green/);
    expect(lab.forge.server.pulls).toMatchObject([
      { number: 1, head: "ai/orchestrator-stage1", base: "main", merged: true },
    ]);
    expect(lab.forge.server.pulls[0]?.body).toContain(`| \`${ECHO_RELEASE}\` |`);
    // Flux's remote has the fix; the user's own main was never touched.
    expect(remoteFile(lab, ECHO_RELEASE)).toMatch(/port: 80$/m);
    expect(git(repo, "show", `main:${ECHO_RELEASE}`)).toContain('port: "80"');
    const events = await journal(repo);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "delivery_merged", stage: "apps", by: "orchestrator" }),
    );
    const apps = await runInProcess(["explain", "apps"], repo, { env });
    expect(apps.stdout).toContain("pull request #1 was merged through the forge's API");
  });

  it("with propose: the loop waits while the human merges the pull request through the forge's API, then the stage goes green", async () => {
    const { lab, repo, env } = await homelab("propose", "5s");
    const running = runInProcess(["all"], repo, { env });
    // The human: waits for the pull request to appear, reads it, merges it.
    while (lab.forge.server.pulls.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lab.forge.server.pulls[0]).toMatchObject({ number: 1, merged: false });
    expect((await mergeThroughTheApi(lab, 1)).status).toBe(200);
    const result = await running;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/apps: green/);
    expect(result.stdout + result.stderr).toContain("pull request #1 was merged; running the stage again");
    expect(remoteFile(lab, ECHO_RELEASE)).toMatch(/port: 80$/m);
    const events = await journal(repo);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "delivery_merged", stage: "apps", by: "human" }),
    );
  });

  it("with propose and nobody merging: gives up naming the pull request; merged later, the next run is green", async () => {
    const { lab, repo, env } = await homelab("propose");
    const first = await runInProcess(["all"], repo, { env });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(
      /apps: give_up — the fix is ready in pull request #1 \(http:\/\/127\.0\.0\.1:\d+\/lab\/homelab\/pull\/1\) and only a merge is missing/,
    );
    expect(lab.forge.server.pulls[0]?.merged).toBe(false);
    expect(remoteFile(lab, ECHO_RELEASE)).toContain('port: "80"');
    // The human reads the pull request and presses merge.
    expect((await mergeThroughTheApi(lab, 1)).status).toBe(200);
    // Then, as the give_up said: reset the stage and run again; the lab's Flux syncs the merge.
    expect((await runInProcess(["apps", "--reset"], repo, { env })).stdout).toBe("apps: reset to idle\n");
    const again = await runInProcess(["all"], repo, { env });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/apps: green/);
    expect(remoteFile(lab, ECHO_RELEASE)).toMatch(/port: 80$/m);
    expect(lab.forge.server.pulls).toHaveLength(1);
  });
});

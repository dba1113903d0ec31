import { afterEach, describe, expect, it } from "vitest";
import { forgeHomelab, RELEASE } from "../../src/adapters/gitops/forge.fixture.ts";
import { runInProcess } from "../helpers/cli.ts";
import { git } from "../helpers/homelab-repo.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** A project in a subgroup, as GitLab nests them, addressed by its whole path. */
const homelab = (approval: "auto" | "propose") =>
  forgeHomelab({ flavor: "gitlab", approval, project: "home/lab/homelab", token: "glpat-t0ken", cleanups });

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

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withoutToolCredentials } from "../../core/redaction/secret-env.ts";
import { gitopsConfigFrom } from "./config.ts";
import { ownerAndRepo } from "./port.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

describe("GitOps delivery settings", () => {
  it("is off unless GITOPS_APPROVAL turns it on", async () => {
    expect(await gitopsConfigFrom({}, "/repo")).toBeUndefined();
    expect(await gitopsConfigFrom({ GITOPS_APPROVAL: "off" }, "/repo")).toBeUndefined();
  });

  it("reads the token from a file under ~, and defaults to GitHub's API and a 30 minute wait", async () => {
    const home = mkdtempSync(join(tmpdir(), "home-"));
    folders.push(home);
    writeFileSync(join(home, "forge-token"), "ghp_example\n");
    expect(
      await gitopsConfigFrom(
        { GITOPS_APPROVAL: "propose", GITOPS_TOKEN_FILE: "~/forge-token", HOME: home },
        "/repo",
      ),
    ).toEqual({
      approval: "propose",
      forge: "github",
      apiUrl: "https://api.github.com",
      repo: undefined,
      token: "ghp_example",
      waitForMergeMs: 30 * 60_000,
    });
  });

  it.each([
    [{ GITOPS_APPROVAL: "always" }, 'GITOPS_APPROVAL is "always": expected off, propose or auto'],
    [
      { GITOPS_APPROVAL: "auto", GITOPS_FORGE: "bitbucket" },
      'GITOPS_FORGE is "bitbucket": expected github, gitea (gitea also serves Forgejo) or gitlab',
    ],
    [{ GITOPS_APPROVAL: "auto", GITOPS_FORGE: "gitea" }, "GITOPS_API_URL is missing or not an http(s) URL"],
    [
      { GITOPS_APPROVAL: "auto", GITOPS_TOKEN: "t", GITOPS_REPO: "just-a-name" },
      'GITOPS_REPO is "just-a-name"',
    ],
    [{ GITOPS_APPROVAL: "auto" }, "GitOps delivery needs a token: set GITOPS_TOKEN"],
    [
      { GITOPS_APPROVAL: "auto", GITOPS_TOKEN_FILE: "/nonexistent/token" },
      "GITOPS_TOKEN_FILE /nonexistent/token does not exist",
    ],
  ])("refuses %j with one line naming the variable", async (env, message) => {
    await expect(gitopsConfigFrom(env, "/repo")).rejects.toThrow(message);
  });

  it("keeps the forge token out of stages' environment", () => {
    expect(withoutToolCredentials({ GITOPS_TOKEN: "t", PATH: "/bin" })).toEqual({ PATH: "/bin" });
  });

  it("reads owner/name from the remote URLs Flux uses", () => {
    expect(ownerAndRepo("ssh://git@github.com/me/home-ops.git")).toBe("me/home-ops");
    expect(ownerAndRepo("https://git.example.com/lab/homelab")).toBe("lab/homelab");
    expect(ownerAndRepo("git@github.com:me/home-ops.git")).toBe("me/home-ops");
  });
});

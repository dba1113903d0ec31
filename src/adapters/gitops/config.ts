/**
 * GitOps delivery is off unless a repo turns it on, and `auto` (merging without a human) only
 * when asked for by name. Read from the environment, so the token stays out of every tracked
 * file: GITOPS_APPROVAL (off | propose | auto), GITOPS_FORGE (github | gitea, which also speaks
 * for Forgejo | gitlab), GITOPS_API_URL (default https://api.github.com for github,
 * https://gitlab.com/api/v4 for gitlab), GITOPS_REPO (owner/name, on GitLab group/…/project;
 * default read from the Flux source's URL), GITOPS_TOKEN or
 * GITOPS_TOKEN_FILE (a file outside git; `~/` is the home folder), GITOPS_MERGE_WAIT (how long
 * `propose` waits for the human's merge, default 30m).
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parseDuration } from "../../config/duration.ts";
import { UserError } from "../../errors/index.ts";
import type { ForgeKind } from "./pull-request.ts";

export interface GitopsConfig {
  approval: "propose" | "auto";
  forge: ForgeKind;
  apiUrl: string;
  /** owner/name, when given; otherwise read from the Flux source's URL. */
  repo: string | undefined;
  token: string;
  waitForMergeMs: number;
}

/** The public API roots; a self-hosted Gitea, Forgejo or GitLab needs GITOPS_API_URL. */
const DEFAULT_API_URL: Record<ForgeKind, string | undefined> = {
  github: "https://api.github.com",
  gitea: undefined,
  gitlab: "https://gitlab.com/api/v4",
};

type Env = Readonly<Record<string, string | undefined>>;

/** The configuration, or undefined when delivery is off. Bad values fail naming the variable. */
export async function gitopsConfigFrom(env: Env, repoRoot: string): Promise<GitopsConfig | undefined> {
  const approval = (env["GITOPS_APPROVAL"] ?? "off").trim();
  if (approval === "off" || approval === "") {
    return undefined;
  }
  if (approval !== "propose" && approval !== "auto") {
    throw new UserError(`GITOPS_APPROVAL is "${approval}": expected off, propose or auto`);
  }
  const forge = (env["GITOPS_FORGE"] ?? "github").trim();
  if (forge !== "github" && forge !== "gitea" && forge !== "gitlab") {
    throw new UserError(
      `GITOPS_FORGE is "${forge}": expected github, gitea (gitea also serves Forgejo) or gitlab`,
    );
  }
  const apiUrl = env["GITOPS_API_URL"] ?? DEFAULT_API_URL[forge];
  if (apiUrl === undefined || !/^https?:\/\//.test(apiUrl)) {
    throw new UserError(
      "GITOPS_API_URL is missing or not an http(s) URL: give the forge's API root, e.g. https://git.example.com/api/v1",
    );
  }
  const repo = env["GITOPS_REPO"];
  // GitLab nests projects in groups and subgroups (docs.gitlab.com/ee/user/group/subgroups/).
  const repoShape = forge === "gitlab" ? /^[\w.-]+(\/[\w.-]+)+$/ : /^[\w.-]+\/[\w.-]+$/;
  if (repo !== undefined && !repoShape.test(repo)) {
    throw new UserError(
      `GITOPS_REPO is "${repo}": expected ${forge === "gitlab" ? "group/project (or group/subgroup/project)" : "owner/name"}`,
    );
  }
  const waitText = env["GITOPS_MERGE_WAIT"] ?? "30m";
  const waitForMergeMs = parseDuration(waitText, "GITOPS_MERGE_WAIT");
  if (waitForMergeMs === undefined) {
    throw new UserError(`GITOPS_MERGE_WAIT is "${waitText}": expected a duration like 30m`);
  }
  return {
    approval,
    forge,
    apiUrl,
    repo,
    token: await tokenFrom(env, repoRoot),
    waitForMergeMs,
  };
}

async function tokenFrom(env: Env, repoRoot: string): Promise<string> {
  const inline = env["GITOPS_TOKEN"]?.trim();
  if (inline) {
    return inline;
  }
  const file = env["GITOPS_TOKEN_FILE"];
  if (file === undefined) {
    throw new UserError(
      "GitOps delivery needs a token: set GITOPS_TOKEN, or GITOPS_TOKEN_FILE to a file outside git",
    );
  }
  const home = env["HOME"] ?? homedir();
  const path = file.startsWith("~/")
    ? join(home, file.slice(2))
    : isAbsolute(file)
      ? file
      : join(repoRoot, file);
  try {
    const token = (await readFile(path, "utf8")).trim();
    if (token === "") {
      throw new UserError(`GITOPS_TOKEN_FILE ${path} is empty`);
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`GITOPS_TOKEN_FILE ${path} does not exist`);
    }
    throw error;
  }
}

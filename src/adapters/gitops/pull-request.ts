/**
 * Pull requests on the forge that hosts the repo Flux syncs from, through its REST API:
 *
 * - GitHub (docs.github.com/en/rest/pulls/pulls, API version 2022-11-28): create
 *   `POST /repos/{owner}/{repo}/pulls` {title, head, base, body} → 201; merged?
 *   `GET /repos/{owner}/{repo}/pulls/{n}/merge` → 204 yes, 404 no; merge
 *   `PUT /repos/{owner}/{repo}/pulls/{n}/merge` {merge_method} → 200 {merged, sha}.
 * - Gitea and Forgejo (go-gitea/gitea templates/swagger/v1_json.tmpl: repoCreatePullRequest,
 *   repoPullRequestIsMerged, repoMergePullRequest): the same under `/api/v1`, merging with
 *   `POST /repos/{owner}/{repo}/pulls/{index}/merge` {Do: "merge"} → 200.
 * - GitLab merge requests: see gitlab-merge-request.ts.
 *
 * The token goes in the Authorization header only; it is never logged or put in a message.
 */
import { z } from "zod";
import { RuntimeFailure, UserError } from "../../errors/index.ts";
import { mergeRequestsOn } from "./gitlab-merge-request.ts";

export type ForgeKind = "github" | "gitea" | "gitlab";

export interface ForgeRepo {
  kind: ForgeKind;
  /** The API root: https://api.github.com, or https://git.example.com/api/v1 for Gitea/Forgejo. */
  apiUrl: string;
  /** The namespace: a user or organisation, or on GitLab a group path (`group/subgroup`). */
  owner: string;
  repo: string;
  token: string;
}

export interface PullRequest {
  number: number;
  url: string;
}

const CreatedPull = z.object({ number: z.number().int().positive(), html_url: z.string() });
const ListedPulls = z.array(CreatedPull.extend({ head: z.object({ ref: z.string() }) }));
const GitHubMerge = z.object({ merged: z.boolean(), sha: z.string().optional() });

export interface PullRequests {
  open(pull: { title: string; body: string; head: string; base: string }): Promise<PullRequest>;
  isMerged(number: number): Promise<boolean>;
  /** Merges through the API (never in the user's checkout). */
  merge(number: number): Promise<void>;
}

export function pullRequestsOn(forge: ForgeRepo, fetchImpl: typeof fetch = fetch): PullRequests {
  if (forge.kind === "gitlab") {
    return mergeRequestsOn(forge, fetchImpl);
  }
  const base = `${forge.apiUrl.replace(/\/+$/, "")}/repos/${encodeURIComponent(forge.owner)}/${encodeURIComponent(forge.repo)}/pulls`;
  const call = async (method: string, url: string, body?: unknown): Promise<Response> => {
    const response = await fetchImpl(url, {
      method,
      headers: {
        authorization: forge.kind === "github" ? `Bearer ${forge.token}` : `token ${forge.token}`,
        accept: forge.kind === "github" ? "application/vnd.github+json" : "application/json",
        ...(forge.kind === "github" ? { "x-github-api-version": "2022-11-28" } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401 || response.status === 403) {
      throw new UserError(
        `${forge.kind} refused the token for ${forge.owner}/${forge.repo} (HTTP ${response.status}): give a token that may open and merge pull requests`,
      );
    }
    return response;
  };
  const failure = async (what: string, response: Response) =>
    new RuntimeFailure(
      `${what} on ${forge.owner}/${forge.repo} failed: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
    );
  return {
    async open(pull) {
      const response = await call("POST", base, pull);
      // One open pull request per head branch: GitHub answers 422 "A pull request already exists",
      // Gitea 409; the AI branch's open pull request then carries the new commit already.
      if (response.status === 422 || response.status === 409) {
        await response.body?.cancel();
        const listed = await call("GET", `${base}?state=open`);
        const open = ListedPulls.parse(await listed.json()).find(
          (candidate) => candidate.head.ref === pull.head,
        );
        if (open) {
          return { number: open.number, url: open.html_url };
        }
        throw new RuntimeFailure(
          `opening a pull request from ${pull.head} into ${pull.base} on ${forge.owner}/${forge.repo} failed: HTTP ${response.status}, and no open pull request from ${pull.head} was found`,
        );
      }
      if (response.status !== 201) {
        throw await failure(`opening a pull request from ${pull.head} into ${pull.base}`, response);
      }
      const created = CreatedPull.parse(await response.json());
      return { number: created.number, url: created.html_url };
    },
    async isMerged(number) {
      const response = await call("GET", `${base}/${number}/merge`);
      await response.body?.cancel();
      if (response.status === 204) {
        return true;
      }
      if (response.status === 404) {
        return false;
      }
      throw await failure(`asking whether pull request #${number} is merged`, response);
    },
    async merge(number) {
      const response =
        forge.kind === "github"
          ? await call("PUT", `${base}/${number}/merge`, { merge_method: "merge" })
          : await call("POST", `${base}/${number}/merge`, { Do: "merge" });
      if (response.status !== 200) {
        throw await failure(`merging pull request #${number}`, response);
      }
      if (forge.kind === "github" && !GitHubMerge.parse(await response.json()).merged) {
        throw new RuntimeFailure(`GitHub answered 200 but did not merge pull request #${number}`);
      }
    },
  };
}

/**
 * GitLab merge requests through its REST API v4 (docs.gitlab.com/ee/api/merge_requests.html;
 * gitlabhq/gitlabhq lib/api/merge_requests.rb):
 *
 * - the project is addressed by its URL-encoded path, `group%2Fsubgroup%2Fproject`
 *   (docs.gitlab.com/ee/api/rest/#namespaced-paths);
 * - the token goes in the `PRIVATE-TOKEN` header (docs.gitlab.com/ee/api/rest/authentication.html);
 *   a wrong one is 401 {"message": "401 Unauthorized"}, too weak a one 403;
 * - create: `POST /projects/:id/merge_requests` {source_branch, target_branch, title, description}
 *   → 201 with the merge request (`iid`, the per-project number every later path takes, and
 *   `web_url`); an open one from the same source branch already → 409 {"message": ["Another open
 *   merge request already exists for this source branch: !<iid>"]} (`handle_merge_request_errors!`
 *   turns the `validate_branches` error into `conflict!`);
 * - find it: `GET /projects/:id/merge_requests?state=opened&source_branch=<branch>` → 200 [..];
 * - state: `GET /projects/:id/merge_requests/:iid` → 200 {state: opened | closed | locked | merged};
 * - merge: `PUT /projects/:id/merge_requests/:iid/merge` → 200 with the merge request
 *   {state: "merged"}; 401 may not merge, 405 cannot be merged now (draft, closed, pipeline),
 *   406 "Branch cannot be merged" (conflicts), 409 SHA mismatch, 422 cannot be merged.
 *   Mergeability is worked out asynchronously after a push (`detailed_merge_status` `checking` or
 *   `unchecked`, formerly `merge_status`), so a merge refused right after creation while the
 *   check runs is asked again a few times before it counts as a failure.
 */
import { z } from "zod";
import { RuntimeFailure, UserError } from "../../errors/index.ts";
import type { ForgeRepo, PullRequests } from "./pull-request.ts";

const MergeRequest = z.object({
  iid: z.number().int().positive(),
  web_url: z.string(),
  state: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  detailed_merge_status: z.string().optional(),
  merge_status: z.string().optional(),
});
type MergeRequest = z.output<typeof MergeRequest>;

/**
 * Mergeability not worked out yet (ask again shortly: it is not "cannot be merged"), or worked
 * out as mergeable since the refusal.
 */
const WORTH_ANOTHER_TRY = new Set([
  "unchecked",
  "checking",
  "preparing",
  "cannot_be_merged_recheck",
  "mergeable",
  "can_be_merged",
]);

export interface MergeRetry {
  /** How many times a merge refused while mergeability is still being checked is tried again. */
  attempts: number;
  delayMs: number;
}

export function mergeRequestsOn(
  forge: ForgeRepo,
  fetchImpl: typeof fetch = fetch,
  retry: MergeRetry = { attempts: 5, delayMs: 2_000 },
): PullRequests {
  const project = `${forge.owner}/${forge.repo}`;
  const base = `${forge.apiUrl.replace(/\/+$/, "")}/projects/${encodeURIComponent(project)}/merge_requests`;
  const call = async (method: string, url: string, body?: unknown): Promise<Response> => {
    const response = await fetchImpl(url, {
      method,
      headers: {
        "private-token": forge.token,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new UserError(
        `gitlab refused the token for ${project} (HTTP ${response.status}): give a token with the api scope that may open and merge merge requests`,
      );
    }
    return response;
  };
  const failure = async (what: string, response: Response) =>
    new RuntimeFailure(
      `${what} on ${project} failed: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
    );
  const read = async (iid: number): Promise<MergeRequest> => {
    const response = await call("GET", `${base}/${iid}`);
    if (response.status !== 200) {
      throw await failure(`reading merge request !${iid}`, response);
    }
    return MergeRequest.parse(await response.json());
  };
  return {
    async open(pull) {
      const response = await call("POST", base, {
        source_branch: pull.head,
        target_branch: pull.base,
        title: pull.title,
        description: pull.body,
      });
      if (response.status === 409) {
        // One open merge request per source branch: the AI branch's carries the new commit already.
        await response.body?.cancel();
        const query = `?state=opened&source_branch=${encodeURIComponent(pull.head)}`;
        const listed = await call("GET", `${base}${query}`);
        if (listed.status !== 200) {
          throw await failure(`listing the open merge requests from ${pull.head}`, listed);
        }
        const open = z
          .array(MergeRequest)
          .parse(await listed.json())
          .find((candidate) => candidate.source_branch === pull.head);
        if (open) {
          return { number: open.iid, url: open.web_url };
        }
        throw new RuntimeFailure(
          `opening a merge request from ${pull.head} into ${pull.base} on ${project} failed: HTTP 409, and no open merge request from ${pull.head} was found`,
        );
      }
      if (response.status !== 201) {
        throw await failure(`opening a merge request from ${pull.head} into ${pull.base}`, response);
      }
      const created = MergeRequest.parse(await response.json());
      return { number: created.iid, url: created.web_url };
    },
    async isMerged(iid) {
      return (await read(iid)).state === "merged";
    },
    async merge(iid) {
      for (let attempt = 0; ; attempt += 1) {
        const response = await call("PUT", `${base}/${iid}/merge`, {});
        if (response.status === 200) {
          const merged = MergeRequest.parse(await response.json());
          if (merged.state !== "merged") {
            throw new RuntimeFailure(
              `GitLab answered 200 but merge request !${iid} is ${merged.state}, not merged`,
            );
          }
          return;
        }
        if ((response.status === 405 || response.status === 406) && attempt < retry.attempts) {
          const status = await read(iid);
          const checking = status.detailed_merge_status ?? status.merge_status ?? "";
          if (status.state === "opened" && WORTH_ANOTHER_TRY.has(checking)) {
            await response.body?.cancel();
            await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
            continue;
          }
        }
        throw await failure(`merging merge request !${iid}`, response);
      }
    },
  };
}

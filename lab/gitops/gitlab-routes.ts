/**
 * The lab forge's GitLab flavor: merge requests under `/api/v4`, in the request and response
 * shapes of docs.gitlab.com/ee/api/merge_requests.html and gitlabhq/gitlabhq
 * lib/api/merge_requests.rb, so src/adapters/gitops/gitlab-merge-request.ts is tested against
 * what GitLab answers:
 *
 * - `PRIVATE-TOKEN: <token>`; a missing or wrong one is 401 {"message": "401 Unauthorized"};
 * - the project is `:id`, its path URL-encoded (`lab%2Fhomelab`); an unknown one is
 *   404 {"message": "404 Project Not Found"};
 * - `GET …/merge_requests?state=&source_branch=` lists (state defaults to `all`);
 * - `POST …/merge_requests` {source_branch, target_branch, title, description} → 201; a missing
 *   required field is Grape's 400 {"error": "<field> is missing"}; an open merge request from the
 *   same source branch → 409 {"message": ["Another open merge request already exists for this
 *   source branch: !<iid>"]};
 * - `GET …/merge_requests/:iid` → 200 with `state` (opened | merged);
 * - `PUT …/merge_requests/:iid/merge` → 200 with `state: "merged"`, 405 when it is not open,
 *   406 "Branch cannot be merged" on a conflict (`detailed_merge_status` is `conflict` from then
 *   on). With `checkingMerges`, the first merges of each merge request are answered 405 while
 *   `detailed_merge_status` says `checking`, as GitLab does while it works out mergeability
 *   after a push.
 */
import type { IncomingMessage } from "node:http";
import type { PullRecord } from "./pull-request-server.ts";

export interface GitlabRequest {
  req: IncomingMessage;
  body: string;
  send: (status: number, payload?: unknown) => void;
  origin: string;
  token: string;
  /** "group/project" → the bare repository's folder. */
  repos: Record<string, string>;
  pulls: PullRecord[];
  merge: (repoDir: string, pull: PullRecord) => Promise<string>;
  /** How many merge calls per merge request are answered "still checking" first. */
  checkingMerges?: number;
}

const ROUTE = /^\/api\/v4\/projects\/([^/]+)\/merge_requests(?:\/(\d+)(\/merge)?)?$/;
const checkingLeft = new WeakMap<PullRecord, number>();
/** Merge requests a merge found in conflict: `detailed_merge_status` says `conflict` from then on. */
const conflicted = new WeakSet<PullRecord>();

export async function handleGitlab(request: GitlabRequest): Promise<void> {
  const { req, send, origin } = request;
  if (req.headers["private-token"] !== request.token) {
    send(401, { message: "401 Unauthorized" });
    return;
  }
  const url = new URL(req.url ?? "", origin);
  const match = ROUTE.exec(url.pathname);
  const project = match ? decodeURIComponent(match[1] as string) : "";
  const repoDir = request.repos[project];
  if (!match || repoDir === undefined) {
    send(404, { message: "404 Project Not Found" });
    return;
  }
  const view = (pull: PullRecord) => ({
    id: 1000 + pull.number,
    iid: pull.number,
    project_id: 1,
    title: pull.title,
    description: pull.body,
    state: pull.merged ? "merged" : "opened",
    source_branch: pull.head,
    target_branch: pull.base,
    merge_commit_sha: pull.mergeSha ?? null,
    detailed_merge_status: pull.merged
      ? "not_open"
      : checkingLeft.get(pull)
        ? "checking"
        : conflicted.has(pull)
          ? "conflict"
          : "mergeable",
    web_url: `${origin}/${project}/-/merge_requests/${pull.number}`,
    references: { short: `!${pull.number}`, full: `${project}!${pull.number}` },
  });
  const json = request.body === "" ? {} : (JSON.parse(request.body) as Record<string, unknown>);
  if (match[2] === undefined && req.method === "GET") {
    const state = url.searchParams.get("state") ?? "all";
    const source = url.searchParams.get("source_branch");
    const listed = request.pulls.filter(
      (pull) =>
        (state === "all" || state === (pull.merged ? "merged" : "opened")) &&
        (source === null || pull.head === source),
    );
    send(200, listed.map(view));
    return;
  }
  if (match[2] === undefined && req.method === "POST") {
    for (const field of ["title", "source_branch", "target_branch"]) {
      if (typeof json[field] !== "string" || json[field] === "") {
        send(400, { error: `${field} is missing` });
        return;
      }
    }
    const open = request.pulls.find((pull) => !pull.merged && pull.head === json["source_branch"]);
    if (open) {
      send(409, {
        message: [`Another open merge request already exists for this source branch: !${open.number}`],
      });
      return;
    }
    const pull: PullRecord = {
      number: request.pulls.length + 1,
      title: json["title"] as string,
      body: typeof json["description"] === "string" ? json["description"] : "",
      head: json["source_branch"] as string,
      base: json["target_branch"] as string,
      merged: false,
    };
    request.pulls.push(pull);
    checkingLeft.set(pull, request.checkingMerges ?? 0);
    send(201, view(pull));
    return;
  }
  const pull = request.pulls.find((candidate) => candidate.number === Number(match[2]));
  if (!pull) {
    send(404, { message: "404 Not found" });
    return;
  }
  if (match[3] === undefined && req.method === "GET") {
    send(200, view(pull));
    return;
  }
  if (match[3] === undefined || req.method !== "PUT") {
    send(405, { message: "405 Method Not Allowed" });
    return;
  }
  const checking = checkingLeft.get(pull) ?? 0;
  if (pull.merged || checking > 0) {
    checkingLeft.set(pull, Math.max(0, checking - 1));
    send(405, { message: "405 Method Not Allowed" });
    return;
  }
  try {
    await request.merge(repoDir, pull);
  } catch {
    conflicted.add(pull);
    send(406, { message: "Branch cannot be merged" });
    return;
  }
  send(200, view(pull));
}

/**
 * A pull-request host on loopback speaking the real REST shapes, backed by bare repositories
 * (lab/gitops/git-http.ts), so the orchestrator's GitOps delivery can be tested end to end:
 *
 * - GitHub (docs.github.com/en/rest/pulls/pulls, API version 2022-11-28): "Create a pull request"
 *   `POST /repos/{owner}/{repo}/pulls` {title, head, base, body} → 201 with the pull request
 *   (number, html_url, state, merged…); "Check if a pull request has been merged"
 *   `GET …/pulls/{pull_number}/merge` → 204 merged, 404 not; "Merge a pull request"
 *   `PUT …/pulls/{pull_number}/merge` {merge_method} → 200 {sha, merged: true, message}, 405 when
 *   it cannot be merged.
 * - Gitea/Forgejo (go-gitea/gitea templates/swagger/v1_json.tmpl, operations repoCreatePullRequest,
 *   repoPullRequestIsMerged, repoMergePullRequest): the same paths under `/api/v1` with the pull's
 *   index; merging is `POST …/pulls/{index}/merge` {Do: "merge"} → 200 with an empty body.
 *
 * - GitLab merge requests (docs.gitlab.com/ee/api/merge_requests.html): the routes of
 *   lab/gitops/gitlab-routes.ts under `/api/v4`, with the `PRIVATE-TOKEN` header.
 *
 * GitHub and Gitea want a token (`Authorization: Bearer <token>` or `token <token>`); a wrong one is 401.
 * `mergeAsHuman` is the human pressing the merge button.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { git } from "../../src/adapters/git/index.ts";
import { handleGitlab } from "./gitlab-routes.ts";

export type HostFlavor = "github" | "gitea" | "gitlab";

export interface PullRecord {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  merged: boolean;
  mergeSha?: string;
}

export interface PullRequestServer {
  /** `http://127.0.0.1:<port>` (GitHub's API root) or `…/api/v1` (Gitea's). */
  readonly apiUrl: string;
  readonly pulls: PullRecord[];
  mergeAsHuman(number: number): Promise<void>;
  close(): Promise<void>;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: "Lab Forge",
  GIT_AUTHOR_EMAIL: "forge@lab.invalid",
  GIT_COMMITTER_NAME: "Lab Forge",
  GIT_COMMITTER_EMAIL: "forge@lab.invalid",
};

export async function startPullRequestServer(options: {
  flavor: HostFlavor;
  token: string;
  /** "owner/name" → the bare repository's folder. */
  repos: Record<string, string>;
  /** GitLab flavor: merges of each merge request answered "still checking" (405) first. */
  checkingMerges?: number;
}): Promise<PullRequestServer> {
  const pulls: PullRecord[] = [];
  const prefix = options.flavor === "gitea" ? "/api/v1" : options.flavor === "gitlab" ? "/api/v4" : "";
  let origin = "";

  async function merge(repoDir: string, pull: PullRecord): Promise<string> {
    const base = `refs/heads/${pull.base}`;
    const head = `refs/heads/${pull.head}`;
    const ff = await git(["merge-base", "--is-ancestor", base, head], { cwd: repoDir, allowFailure: true });
    let sha: string;
    if (ff.exitCode === 0) {
      sha = (await git(["rev-parse", head], { cwd: repoDir })).stdout.trim();
    } else {
      const tree = await git(["merge-tree", "--write-tree", base, head], {
        cwd: repoDir,
        allowFailure: true,
      });
      if (tree.exitCode !== 0) {
        throw new Error("merge conflict");
      }
      const message = `Merge pull request #${pull.number} from ${pull.head}\n\n${pull.title}\n`;
      sha = (
        await git(["commit-tree", tree.stdout.split("\n")[0] as string, "-p", base, "-p", head, "-F", "-"], {
          cwd: repoDir,
          input: message,
          env: IDENTITY,
        })
      ).stdout.trim();
    }
    await git(["update-ref", base, sha], { cwd: repoDir });
    pull.merged = true;
    pull.mergeSha = sha;
    return sha;
  }

  async function handle(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, payload === undefined ? {} : { "content-type": "application/json" });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (options.flavor === "gitlab") {
      await handleGitlab({
        req,
        body,
        send,
        origin,
        token: options.token,
        repos: options.repos,
        pulls,
        merge,
        ...(options.checkingMerges === undefined ? {} : { checkingMerges: options.checkingMerges }),
      });
      return;
    }
    const auth = req.headers.authorization ?? "";
    if (auth !== `Bearer ${options.token}` && auth !== `token ${options.token}`) {
      send(401, { message: "Bad credentials" });
      return;
    }
    const path = (req.url ?? "").split("?")[0] ?? "";
    const match = new RegExp(`^${prefix}/repos/([^/]+)/([^/]+)/pulls(?:/(\\d+)(/merge)?)?$`).exec(path);
    const repoDir = match ? options.repos[`${match[1]}/${match[2]}`] : undefined;
    if (!match || repoDir === undefined) {
      send(404, { message: "Not Found" });
      return;
    }
    const json = body === "" ? {} : (JSON.parse(body) as Record<string, unknown>);
    if (match[3] === undefined && req.method === "GET") {
      const state = new URL(req.url ?? "", origin).searchParams.get("state") ?? "open";
      send(200, pulls.filter((pull) => state === "all" || (state === "open") === !pull.merged).map(view));
      return;
    }
    if (match[3] === undefined && req.method === "POST") {
      if (pulls.some((pull) => !pull.merged && pull.head === json["head"] && pull.base === json["base"])) {
        // GitHub: 422 "A pull request already exists for <head>"; Gitea: 409 Conflict.
        send(options.flavor === "github" ? 422 : 409, {
          message: `A pull request already exists for ${String(json["head"])}`,
        });
        return;
      }
      const { title, head, base } = json as { title?: string; head?: string; base?: string };
      if (!title || !head || !base) {
        send(422, { message: "Validation Failed" });
        return;
      }
      const pull: PullRecord = {
        number: pulls.length + 1,
        title,
        body: typeof json["body"] === "string" ? json["body"] : "",
        head,
        base,
        merged: false,
      };
      pulls.push(pull);
      send(201, view(pull));
      return;
    }
    const pull = pulls.find((candidate) => candidate.number === Number(match[3]));
    if (!pull) {
      send(404, { message: "Not Found" });
      return;
    }
    if (match[4] === undefined && req.method === "GET") {
      send(200, view(pull));
    } else if (req.method === "GET") {
      send(pull.merged ? 204 : 404);
    } else if (options.flavor === "github" ? req.method === "PUT" : req.method === "POST") {
      if (options.flavor === "gitea" && typeof json["Do"] !== "string") {
        send(422, { message: "Do is required" });
        return;
      }
      try {
        const sha = await merge(repoDir, pull);
        if (options.flavor === "github") {
          send(200, { sha, merged: true, message: "Pull Request successfully merged" });
        } else {
          send(200);
        }
      } catch {
        send(405, { message: "Pull Request is not mergeable" });
      }
    } else {
      send(405, { message: "Method Not Allowed" });
    }
  }

  function view(pull: PullRecord) {
    const htmlUrl = `${origin}/${Object.keys(options.repos)[0] ?? "repo"}/pull/${pull.number}`;
    return {
      number: pull.number,
      html_url: htmlUrl,
      state: pull.merged ? "closed" : "open",
      title: pull.title,
      body: pull.body,
      merged: pull.merged,
      merge_commit_sha: pull.mergeSha ?? null,
      head: { ref: pull.head },
      base: { ref: pull.base },
    };
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, Buffer.concat(chunks).toString("utf8"), res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${origin}${prefix}`,
    pulls,
    async mergeAsHuman(number) {
      const pull = pulls.find((candidate) => candidate.number === number);
      const repoDir = Object.values(options.repos)[0];
      if (!pull || repoDir === undefined) {
        throw new Error(`no pull request #${number}`);
      }
      await merge(repoDir, pull);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

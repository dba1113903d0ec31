/**
 * The loop's DeliveryPort on a real forge: a patch that changes files in the tree Flux syncs is
 * pushed with the AI branch to Flux's remote and offered as a pull request; other patches (a
 * cluster file, a Talos patch) take effect through their own stage and need no delivery.
 */
import type { DeliveryPort } from "../../reconcile/context.ts";
import { git } from "../git/index.ts";
import type { GitopsConfig } from "./config.ts";
import { deliverFix } from "./deliver.ts";
import { pullRequestsOn } from "./pull-request.ts";
import { type FluxSource, findFluxSource } from "./source.ts";

/** How often `propose` asks the forge whether the human merged. */
const MERGE_POLL_MS = 30_000;

export function gitopsDelivery(options: {
  repoRoot: string;
  aiBranch: string;
  config: GitopsConfig;
}): DeliveryPort {
  const { repoRoot, aiBranch, config } = options;
  let source: Promise<FluxSource | undefined> | undefined;
  const pullsFor = (flux: FluxSource) => {
    const path = config.repo ?? (config.forge === "gitlab" ? projectPath(flux.url) : ownerAndRepo(flux.url));
    const cut = path.lastIndexOf("/");
    const [owner, repo] = [path.slice(0, cut), path.slice(cut + 1)];
    return pullRequestsOn({ kind: config.forge, apiUrl: config.apiUrl, owner, repo, token: config.token });
  };
  return {
    waitForMergeMs: config.waitForMergeMs,
    pollMs: Math.min(MERGE_POLL_MS, config.waitForMergeMs),
    async deliver({ stage, commit, summary }) {
      source ??= findFluxSource(repoRoot);
      const flux = await source;
      if (!flux) {
        return { status: "not_needed" };
      }
      const changed = (
        await git(["diff", "--name-only", "-z", "--no-renames", "--relative", `${commit}^`, commit, "--"], {
          cwd: repoRoot,
        })
      ).stdout
        .split("\0")
        .filter((path) => path !== "");
      const tree = fluxTree(flux);
      if (!changed.some((path) => tree === "" || path === tree || path.startsWith(`${tree}/`))) {
        return { status: "not_needed" };
      }
      const delivered = await deliverFix({
        repoRoot,
        aiBranch,
        source: flux,
        pulls: pullsFor(flux),
        approval: config.approval,
        title: `fix(${stage}): ${summary}`,
        body: describe(stage, commit, changed, flux),
      });
      return {
        status: delivered.merged ? "merged" : "open",
        pull: delivered.pull.number,
        url: delivered.pull.url,
        approval: config.approval,
      };
    },
    async merged(pull) {
      source ??= findFluxSource(repoRoot);
      const flux = await source;
      return flux ? pullsFor(flux).isMerged(pull) : false;
    },
  };
}

/**
 * The folder Flux reads manifests from: the top folder of the flux-system Kustomization's path
 * (cluster-template keeps the entry point in kubernetes/flux/cluster and apps in kubernetes/apps,
 * all reached through Kustomizations of the same GitRepository).
 */
export function fluxTree(source: FluxSource): string {
  return source.path.split("/")[0] ?? "";
}

/** owner/name from a remote URL: https://host/owner/name.git, ssh://git@host/owner/name, git@host:owner/name.git. */
export function ownerAndRepo(url: string): string {
  return projectPath(url).split("/").slice(-2).join("/");
}

/**
 * The whole path of a remote URL, without the host and `.git`: on GitLab the project is
 * `group/subgroup/project`, addressed by that full path.
 */
export function projectPath(url: string): string {
  const path = url
    .replace(/^[a-z+]+:\/\/[^/]+\//i, "")
    .replace(/^[^@/]+@[^:]+:/, "")
    .replace(/\.git$/, "");
  return path.split("/").filter(Boolean).join("/");
}

/** The pull request's description, as Renovate describes an update: what, why, which files. */
function describe(stage: string, commit: string, files: string[], flux: FluxSource): string {
  return [
    `The homelab orchestrator's ${stage} stage failed, and this change is its fix (commit ${commit.slice(0, 12)}).`,
    "",
    `Flux syncs ${flux.branch} from this repository (GitRepository ${flux.namespace}/${flux.name}, path ./${flux.path}), so the fix takes effect only once merged.`,
    "",
    "| File |",
    "|---|",
    ...files.map((file) => `| \`${file}\` |`),
    "",
    `Run \`orchestrator explain ${stage}\` for the whole story.`,
  ].join("\n");
}

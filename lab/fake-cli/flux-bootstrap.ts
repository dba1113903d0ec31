import { existsSync } from "node:fs";
import { readWorld } from "../world/index.ts";
import { CliExit, flag, hasFlag, type ParsedCli } from "./args.ts";
import {
  artifactIntervalMs,
  type FetchOutcome,
  fetchArtifact,
  pushBootstrapManifests,
} from "./flux-source.ts";
import { cniInstalled, connect, type Env, fluxObjects } from "./kube-api.ts";
import { SSH_REFUSED } from "./source-refresh.ts";
import { type FakeView, viewOf } from "./world-view.ts";

/** The fake `flux bootstrap git`: real git work first (bootstrapGit), then the report over the world. */

/** A failure after some progress lines: all of it is logger output, so all of it is stderr. */
export const failed = (progress: string, error: string) => new CliExit(1, `${progress}✗ ${error}\n`);

export const CONTROLLERS = [
  "helm-controller",
  "kustomize-controller",
  "notification-controller",
  "source-controller",
];

/** What bootstrap's git work left for the command: the failure to report, or what it pushed and fetched. */
export type BootstrapGit =
  | { readonly exit: CliExit }
  | {
      readonly url: string;
      readonly branch: string;
      readonly path: string;
      readonly artifactDir: string;
      readonly components: string;
      readonly sync: string;
      readonly fetched: FetchOutcome;
      readonly fetchedAt: number;
    };

const INSTALLING = `► generating component manifests\n✔ generated component manifests\n`;

/**
 * `flux bootstrap git` up to its waits (fluxcd/flux2@v2.9.4 pkg/bootstrap/bootstrap.go Run):
 * clone, component manifests committed and pushed unless up to date, install, sync manifests
 * likewise, then the GitRepository fetched (here: the artifact checked out).
 */
export async function bootstrapGit(parsed: ParsedCli, env: Env, worldFile: string): Promise<BootstrapGit> {
  if (parsed.positionals[1] !== "git") {
    return {
      exit: new CliExit(1, `✗ unknown command "${parsed.positionals[1] ?? ""}" for "flux bootstrap"\n`),
    };
  }
  const url = flag(parsed, "url") ?? "";
  const branch = flag(parsed, "branch") ?? "main";
  const path = flag(parsed, "path") ?? "";
  const keyFile = flag(parsed, "private-key-file");
  const cloning = `► cloning branch "${branch}" from Git repository "${url}"\n`;
  if (url === "") {
    return { exit: new CliExit(1, "✗ --url is required\n") };
  }
  // Only http, https and ssh sources: any other scheme is refused before anything is cloned
  // (fluxcd/flux2@v2.9.4 cmd/flux/bootstrap_git.go:375-427, getAuthOpts' default case). The lab
  // also takes a local path or file:// URL, which real flux refuses the same way (its scheme is
  // "" or "file"): lab tests use it to sync without a server.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && !["http", "https", "ssh", "file"].includes(scheme)) {
    return { exit: new CliExit(1, `✗ scheme "${scheme}" is not supported\n`) };
  }
  // fluxcd/flux2@v2.9.4 cmd/flux/bootstrap_git.go:380-383 (getAuthOpts, case "http").
  if (url.startsWith("http://") && !hasFlag(parsed, "allow-insecure-http")) {
    return {
      exit: new CliExit(1, "✗ scheme http is insecure, pass --allow-insecure-http=true to allow it\n"),
    };
  }
  const view = viewOf(readWorld(worldFile));
  try {
    connect(view, parsed, env, "flux");
  } catch (error) {
    if (error instanceof CliExit) {
      return { exit: error };
    }
    throw error;
  }
  if (keyFile !== undefined && !existsSync(keyFile)) {
    return { exit: failed(cloning, `open ${keyFile}: no such file or directory`) };
  }
  if (view.faults.fluxSshAuthFails) {
    return { exit: failed(cloning, `failed to clone repository: unable to clone '${url}': ${SSH_REFUSED}`) };
  }
  if (!cniInstalled(view)) {
    // The lab does not push when the install is bound to fail; real bootstrap has pushed the
    // component manifests by then (bootstrap_plain_git.go:179-195 before :198-215).
    return {
      exit: failed(
        `${cloning}✔ cloned repository\n${INSTALLING}► installing components in "flux-system" namespace\n`,
        "install failed: timeout waiting for: [Deployment/flux-system/helm-controller status: 'InProgress', Deployment/flux-system/kustomize-controller status: 'InProgress', Deployment/flux-system/source-controller status: 'InProgress']",
      ),
    };
  }
  const pushed = await pushBootstrapManifests({ url, branch, path }, `${worldFile}.flux/bootstrap`);
  if ("error" in pushed) {
    return { exit: failed(cloning, pushed.error) };
  }
  const artifactDir = `${worldFile}.flux/artifact`;
  const fetchedAt = Date.now();
  const fetched = await fetchArtifact(url, branch, artifactDir);
  return {
    url,
    branch,
    path,
    artifactDir,
    components: pushed.components,
    sync: pushed.sync,
    fetched,
    fetchedAt,
  };
}

export function bootstrap(view: FakeView, git: BootstrapGit | undefined): string {
  const { flux: state } = view.kubernetes;
  state.bootstrapCalls++;
  if (git === undefined || "exit" in git) {
    throw git?.exit ?? new CliExit(1, "✗ bootstrap did not run\n");
  }
  const cloning = `► cloning branch "${git.branch}" from Git repository "${git.url}"\n✔ cloned repository\n`;
  const installed = `${cloning}${INSTALLING}${git.components}► installing components in "flux-system" namespace\n✔ installed components\n✔ reconciled components\n► determining if source secret "flux-system/flux-system" exists\n✔ source secret up to date\n► generating sync manifests\n✔ generated sync manifests\n${git.sync}► applying sync manifests\n✔ reconciled sync configuration\n◎ waiting for GitRepository "flux-system/flux-system" to be reconciled\n`;
  Object.assign(state, {
    installed: true,
    url: git.url,
    branch: git.branch,
    path: git.path,
    artifactDir: git.artifactDir,
    fetchedAt: git.fetchedAt,
  });
  if ("revision" in git.fetched) {
    state.revision = git.fetched.revision;
    state.fetchError = null;
    state.intervalMs = artifactIntervalMs(git.artifactDir, git.path) ?? state.intervalMs;
  } else {
    state.fetchError = `failed to checkout and determine revision: ${git.fetched.error}`;
  }
  if (state.fetchError !== null || state.revision === "") {
    const message = state.fetchError ?? "waiting to be reconciled";
    throw failed(
      `${installed}✗ gitrepository 'flux-system/flux-system' not ready: '${message}'\n`,
      `error while waiting for GitRepository to be ready: 'gitrepository 'flux-system/flux-system' not ready: '${message}''`,
    );
  }
  const waiting = `${installed}✔ GitRepository reconciled successfully\n◎ waiting for Kustomization "flux-system/flux-system" to be reconciled\n`;
  const root = fluxObjects(view, "Kustomization").find(
    (ks) => ks.name === "flux-system" && ks.namespace === "flux-system",
  );
  if (root !== undefined && !root.ready) {
    // bootstrap_plain_git.go:429-441: the Ready message, then the wrapped error.
    throw failed(
      `${waiting}✗ kustomization 'flux-system/flux-system' not ready: '${root.message}'\n`,
      `error while waiting for Kustomization to be ready: 'kustomization 'flux-system/flux-system' not ready: '${root.message}''`,
    );
  }
  return `${waiting}✔ Kustomization reconciled successfully\n► confirming components are healthy\n${CONTROLLERS.map((name) => `✔ ${name}: deployment ready\n`).join("")}✔ all components are healthy\n`;
}

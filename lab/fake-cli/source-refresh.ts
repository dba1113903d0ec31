import { readWorld, updateWorld } from "../world/index.ts";
import { artifactIntervalMs, type FetchOutcome, fetchArtifact, intervalPassed } from "./flux-source.ts";
import { viewOf } from "./world-view.ts";

/**
 * One source-controller pass over the flux-system GitRepository: fetch when asked (a
 * `reconcile … --with-source`, `reconcile source git`) or when its interval has passed, and
 * record the revision, or the error, in the world. Undefined when Flux is not bootstrapped or
 * nothing was due. Git runs outside the world lock: the server answers one call at a time, so no
 * other fake call changes the Flux state meanwhile.
 */
export async function refreshSource(
  worldFile: string,
  force: boolean,
  now = Date.now(),
): Promise<FetchOutcome | undefined> {
  const { kubernetes, faults } = viewOf(readWorld(worldFile));
  const { flux } = kubernetes;
  if (!flux.installed || flux.artifactDir === "" || (!force && !intervalPassed(flux, now))) {
    return undefined;
  }
  const outcome: FetchOutcome = faults.fluxSshAuthFails
    ? { error: `unable to clone '${flux.url}': ${SSH_REFUSED}` }
    : await fetchArtifact(flux.url, flux.branch, flux.artifactDir);
  updateWorld(worldFile, (world) => {
    const view = viewOf(world);
    const state = view.kubernetes.flux;
    state.fetchedAt = now;
    if ("revision" in outcome) {
      state.revision = outcome.revision;
      state.fetchError = null;
      state.intervalMs = artifactIntervalMs(state.artifactDir, state.path) ?? state.intervalMs;
    } else {
      state.fetchError = `failed to checkout and determine revision: ${outcome.error}`;
    }
    view.store();
  });
  return outcome;
}

/** What go-git's ssh transport says when the server refuses the deploy key. */
export const SSH_REFUSED =
  "ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain";

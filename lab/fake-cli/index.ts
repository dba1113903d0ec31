/**
 * Fake `talosctl`, `kubectl` and `flux` for the sandbox lab: small Node programs over the shared
 * world file (env LAB_WORLD) that check the exact arguments they get and answer with the real
 * tools' output formats and errors (research/homelab-stages.md §3, §5).
 *
 * - `await installFakeClis(binDir, { worldFile, callLog? })` starts the fakes' server (server.ts) and
 *   writes the executables; put binDir first on PATH, and `close()` the result when done.
 * - `viewOf(world)` gives typed access to the fakes' sections (`world.talos` extras,
 *   `world.kubernetes`) and their faults (`FakeCliFaults`, documented there).
 * - Flux reads the repository: `flux bootstrap git` clones `--url` (flux-source.ts), and Ready is
 *   decided from the manifests at the synced commit (flux-tree-eval.ts; the kinds and fields read
 *   are listed there, the lab's chart catalog is charts.ts). `bootstrapManifests()` gives the
 *   flux-system files bootstrap keeps in the repo, so a tree that has them gets no bootstrap push.
 *
 * Talos machines: ISO boot → `maintenance` (the Proxmox server); `apply-config --insecure` →
 * `installing` → (API refuses once while it reboots) → `booting` → `running`; `bootstrap` starts
 * etcd once and counts every call in `world.talos.bootstrapCalls`.
 */

export { LAB_CHARTS, type LabChart, type ValuesSchema } from "./charts.ts";
export { bootstrapManifests, FLUX_VERSION } from "./flux-source.ts";
export { type FakeCliInstallOptions, type FakeClis, installFakeClis } from "./install.ts";
export {
  FakeCliFaults,
  FakeFluxState,
  FakeKubernetesState,
  FakeTalosMachine,
  FakeTalosState,
  type FakeView,
  viewOf,
} from "./world-view.ts";

/**
 * Fake `talosctl`, `kubectl` and `flux` for the sandbox lab: small Node programs over the shared
 * world file (env LAB_WORLD) that check the exact arguments they get and answer with the real
 * tools' output formats and errors (research/homelab-stages.md §3, §5).
 *
 * - `await installFakeClis(binDir, { worldFile, callLog? })` starts the fakes' server (server.ts) and
 *   writes the executables; put binDir first on PATH, and `close()` the result when done.
 * - `viewOf(world)` gives typed access to the fakes' sections (`world.talos` extras,
 *   `world.kubernetes`) and their faults (`FakeCliFaults`, documented there).
 * - `homelabGitContent()` is what the Flux path of a cluster-template-like repo holds; the lab
 *   seeds `world.kubernetes.git` with it.
 *
 * Talos machines: ISO boot → `maintenance` (the Proxmox server); `apply-config --insecure` →
 * `installing` → (API refuses once while it reboots) → `booting` → `running`; `bootstrap` starts
 * etcd once and counts every call in `world.talos.bootstrapCalls`.
 */
export { type FakeCliInstallOptions, type FakeClis, installFakeClis } from "./install.ts";
export {
  FakeCliFaults,
  FakeGitContent,
  FakeKubernetesState,
  FakeTalosMachine,
  FakeTalosState,
  type FakeView,
  homelabGitContent,
  viewOf,
} from "./world-view.ts";

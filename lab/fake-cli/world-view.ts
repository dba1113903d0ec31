import { z } from "zod";
import { LabTalosMachine, type World } from "../world/index.ts";

/**
 * The fields the fake CLIs keep in the shared world, beside what the Proxmox server writes.
 * `world.talos` and `world.kubernetes` are loose objects, so these live there and survive readers
 * that do not know them.
 */

/** A Talos machine after the talosctl fake has configured it. */
export const FakeTalosMachine = LabTalosMachine.extend({
  role: z.enum(["controlplane", "worker"]).optional(),
  hostname: z.string().optional(),
  /** The machine config applied, as text (for `apply-config --dry-run` diffs). */
  appliedConfig: z.string().optional(),
  /** The cluster id of the secrets the applied config was generated from: its PKI. */
  clusterId: z.string().optional(),
  installedVersion: z.string().optional(),
  /** Set when the installer failed on the node (its install disk does not exist): it never reboots. */
  installError: z.string().optional(),
});
export type FakeTalosMachine = z.output<typeof FakeTalosMachine>;

export const FakeTalosState = z.looseObject({
  machines: z.record(z.string(), FakeTalosMachine).default({}),
  /** talosctl's own version (`version` Client Tag). */
  clientVersion: z.string().default("v1.12.4"),
  /** Every `gen secrets` call, refused or not. */
  secretsGenerated: z.number().default(0),
  /** Every `bootstrap` call, refused or not: a test asserts it stays at one. */
  bootstrapCalls: z.number().default(0),
  /** Set by the first successful bootstrap: the cluster id whose PKI etcd and the API server use. */
  etcd: z.object({ clusterId: z.string(), bootstrapNode: z.string() }).nullable().default(null),
});
export type FakeTalosState = z.output<typeof FakeTalosState>;

/**
 * Flux as bootstrapped: the GitRepository's URL/branch and the Kustomization path, and the synced
 * artifact (flux-source.ts). Time is the lab's: `(now - fetchedAt) * timeScale` is compared with
 * the GitRepository's interval, so a test sets `fetchedAt` or `timeScale` instead of sleeping.
 */
export const FakeFluxState = z.object({
  installed: z.boolean().default(false),
  url: z.string().default(""),
  branch: z.string().default(""),
  path: z.string().default(""),
  bootstrapCalls: z.number().default(0),
  reconciles: z.number().default(0),
  /** Where the artifact (a checkout of the synced commit) lives; set by bootstrap. */
  artifactDir: z.string().default(""),
  /** `<branch>@sha1:<sha>` of the artifact, "" before the first successful fetch. */
  revision: z.string().default(""),
  /** Epoch ms of the last fetch attempt. */
  fetchedAt: z.number().default(0),
  /** The GitRepository's spec.interval in ms (bootstrap's default is 1m). */
  intervalMs: z.number().default(60_000),
  /** Lab seconds per real second; 0 stops the interval clock. */
  timeScale: z.number().min(0).default(1),
  /** The last fetch's error (the GitRepository is Ready=False with it), or null. */
  fetchError: z.string().nullable().default(null),
});
export type FakeFluxState = z.output<typeof FakeFluxState>;

export const FakeKubernetesState = z.looseObject({
  /** Objects made by `kubectl apply`, keyed `Kind/namespace/name`. */
  objects: z
    .record(z.string(), z.object({ kind: z.string(), namespace: z.string(), name: z.string() }))
    .default({}),
  flux: FakeFluxState.default(FakeFluxState.parse({})),
});
export type FakeKubernetesState = z.output<typeof FakeKubernetesState>;

/**
 * Faults for the CLI fakes, in `world.faults` beside the Proxmox ones:
 * - `talosUnreachable`: IPs whose :50000 times out (a stopped VM times out anyway).
 * - `talosConnectionRefused`: IPs that refuse :50000.
 * - `fluxSshAuthFails`: the deploy key is refused when Flux clones the repository.
 * - `fluxNotReady`: `Kustomization ns/name` or `HelmRelease ns/name` → the failure message it shows.
 * - `certificatesNotReady`: `ns/name` of certificates stuck at Ready=False.
 * - `tunnelError`: the cloudflared error line the tunnel logs instead of registering.
 * - `tunnelLongRunning`: the tunnel has run for long: its startup lines, the only ones that say
 *   `Registered tunnel connection`, are older than any log tail.
 * - `prometheusTargetsDown`: jobs whose targets are down.
 * - `etcdPreparingOnce`: IPs whose next `service etcd` answers Preparing although etcd has data
 *   (a restarting etcd), so a bootstrap guard that trusts it meets `AlreadyExists`.
 */
export const FakeCliFaults = z.looseObject({
  talosUnreachable: z.array(z.string()).default([]),
  talosConnectionRefused: z.array(z.string()).default([]),
  fluxSshAuthFails: z.boolean().default(false),
  fluxNotReady: z.record(z.string(), z.string()).default({}),
  certificatesNotReady: z.array(z.string()).default([]),
  tunnelError: z.string().nullable().default(null),
  tunnelLongRunning: z.boolean().default(false),
  prometheusTargetsDown: z.array(z.string()).default([]),
  etcdPreparingOnce: z.array(z.string()).default([]),
});
export type FakeCliFaults = z.output<typeof FakeCliFaults>;

/** Typed views of the world's sections; mutate them, then `store` writes them back. */
export interface FakeView {
  readonly talos: FakeTalosState;
  readonly kubernetes: FakeKubernetesState;
  readonly faults: FakeCliFaults;
  readonly world: World;
  store(): void;
}

export function viewOf(world: World): FakeView {
  const talos = FakeTalosState.parse(world.talos);
  const kubernetes = FakeKubernetesState.parse(world.kubernetes);
  const faults = FakeCliFaults.parse(world.faults);
  return {
    talos,
    kubernetes,
    faults,
    world,
    store() {
      world.talos = talos;
      world.kubernetes = kubernetes;
      world.faults = { ...world.faults, ...faults };
    },
  };
}

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

export const GitObjectRef = z.object({ namespace: z.string(), name: z.string() });

/** What the Flux path of the homelab repo holds, as far as the fakes care (seeded by the lab). */
export const FakeGitContent = z.object({
  kustomizations: z.array(GitObjectRef).default([]),
  helmReleases: z.array(GitObjectRef).default([]),
  storageClasses: z
    .array(z.object({ name: z.string(), provisioner: z.string(), default: z.boolean() }))
    .default([]),
  certificates: z.array(GitObjectRef).default([]),
  tunnel: z.object({ namespace: z.string(), deployment: z.string() }).nullable().default(null),
  prometheus: z
    .object({ namespace: z.string(), service: z.string(), port: z.number(), jobs: z.array(z.string()) })
    .nullable()
    .default(null),
});
export type FakeGitContent = z.output<typeof FakeGitContent>;

export const FakeKubernetesState = z.looseObject({
  /** Objects made by `kubectl apply`, keyed `Kind/namespace/name`. */
  objects: z
    .record(z.string(), z.object({ kind: z.string(), namespace: z.string(), name: z.string() }))
    .default({}),
  git: FakeGitContent.default(FakeGitContent.parse({})),
  flux: z
    .object({
      installed: z.boolean().default(false),
      url: z.string().default(""),
      branch: z.string().default(""),
      path: z.string().default(""),
      bootstrapCalls: z.number().default(0),
      reconciles: z.number().default(0),
    })
    .default({ installed: false, url: "", branch: "", path: "", bootstrapCalls: 0, reconciles: 0 }),
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

/** The default Flux content of a cluster-template-like homelab, for the lab and tests. */
export function homelabGitContent(): FakeGitContent {
  const refs = (list: string[]) =>
    list.map((ref) => {
      const [namespace = "", name = ""] = ref.split("/");
      return { namespace, name };
    });
  // Each app is a Kustomization that installs one HelmRelease; flux-system syncs the rest.
  const apps = [
    "kube-system/cilium",
    "kube-system/coredns",
    "storage/local-path-provisioner",
    "default/echo",
    "network/cloudflare-tunnel",
    "cert-manager/cert-manager",
    "observability/kube-prometheus-stack",
  ];
  return {
    kustomizations: refs(["flux-system/flux-system", ...apps]),
    helmReleases: refs(apps),
    storageClasses: [{ name: "local-path", provisioner: "rancher.io/local-path", default: true }],
    certificates: refs(["network/example-com-production"]),
    tunnel: { namespace: "network", deployment: "cloudflare-tunnel" },
    prometheus: {
      namespace: "observability",
      service: "prometheus-operated",
      port: 9090,
      jobs: [
        "apiserver",
        "kubelet",
        "node-exporter",
        "kube-controller-manager",
        "kube-scheduler",
        "kube-etcd",
      ],
    },
  };
}

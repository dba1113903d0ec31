import type { World } from "../../lab/world/index.ts";

/**
 * The fault library `orchestrator qualify` runs: faults a Talos-on-Proxmox homelab really has,
 * each planted alone into a fresh repo (a small change to a file) or into the lab's world (a
 * switch), with its class and, for a configuration fault, its correct fix.
 *
 * - configuration: a change to the repo fixes it (`fix`, as the SEARCH/REPLACE a model would send);
 * - transient: the same run again succeeds (a Proxmox lock timeout, etcd still starting);
 * - unfixable: needs a human outside the repo (a node that is down, a bridge written but not
 *   applied, a deploy key the git server refuses, an invalid tunnel credential); the right
 *   ending is a prompt stop whose reason names `cause`.
 *
 * The error texts each fault produces are the lab's, which are the real tools' (docs/conformance.md).
 */
export type FaultClass = "configuration" | "transient" | "unfixable";
export const FAULT_CLASSES: readonly FaultClass[] = ["configuration", "transient", "unfixable"];

export type StageName = "vms" | "talos" | "infra" | "apps" | "ingress" | "obs";

/** The repo's files the library may change, by repo-relative path; `undefined` removes one. */
export type RepoFiles = Map<string, string | undefined>;

export interface Fix {
  readonly file: string;
  readonly search: string;
  readonly replace: string;
}

export interface Fault {
  readonly id: string;
  readonly stage: StageName;
  readonly class: FaultClass;
  readonly description: string;
  /** The change to the fresh repo, when the fault is in the repo. */
  readonly repo?: (files: RepoFiles) => void;
  /** The switch in the lab's world, when the fault is outside the repo. */
  readonly world?: (world: World) => void;
  /** For a configuration fault: the correct fix. */
  readonly fix?: Fix;
  /** For an unfixable fault: words the stop reason must contain to name the cause. */
  readonly cause?: RegExp;
}

export const CLUSTER_FILE = "config/clusters/prox-n100.yaml";

/** A configuration fault: `from` becomes `to` in `file`; the fix turns it back. */
function swap(
  id: string,
  stage: StageName,
  description: string,
  from: string,
  to: string,
  file = CLUSTER_FILE,
): Fault {
  return {
    id,
    stage,
    class: "configuration",
    description,
    repo: (files) => {
      const text = files.get(file);
      if (text === undefined || !text.includes(from)) {
        throw new Error(`fault ${id}: ${file} does not contain ${JSON.stringify(from)}`);
      }
      files.set(file, text.replace(from, to));
    },
    fix: { file, search: to, replace: from },
  };
}

function faults(world: (world: World) => void): (world: World) => void {
  return world;
}

const TUNNEL_SECRET_ERROR =
  'Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13';

export const FAULTS: readonly Fault[] = [
  // vms: names and addresses the Proxmox node does not have
  swap(
    "vms-storage-missing",
    "vms",
    "proxmox.storage names a storage the node lacks (local-zfs on a stock LVM install)",
    "storage: local-lvm ",
    "storage: local-zfs ",
  ),
  swap(
    "vms-bridge-missing",
    "vms",
    "proxmox.bridge names a bridge the node lacks",
    "bridge: vmbr0",
    "bridge: vmbr1",
  ),
  swap(
    "vms-iso-storage-no-iso",
    "vms",
    "proxmox.isoStorage names a storage that does not hold ISO images",
    "isoStorage: local ",
    "isoStorage: local-lvm ",
  ),
  swap("vms-node-name-wrong", "vms", "proxmox.node is not the node's name", "node: pve ", "node: pve1 "),
  swap(
    "vms-node-override-wrong",
    "vms",
    "one node's pveNode names a Proxmox node that does not exist",
    "vmid: 131, memoryMiB: 16384 }",
    "vmid: 131, memoryMiB: 16384, pveNode: pve2 }",
  ),
  swap(
    "vms-vmid-duplicate",
    "vms",
    "two nodes share one vmid",
    'mac: "bc:24:11:00:00:22", vmid: 122 }',
    'mac: "bc:24:11:00:00:22", vmid: 121 }',
  ),
  swap(
    "vms-node-ip-outside-subnet",
    "vms",
    "a node IP outside network.cidr",
    "ip: 192.168.1.22,",
    "ip: 192.168.2.22,",
  ),
  {
    id: "vms-lock-timeout",
    stage: "vms",
    class: "transient",
    description: "Proxmox cannot take the VM's config lock in time (another task holds it) once",
    world: faults((world) => {
      world.faults.lockTimeoutOnce = [121];
    }),
  },
  {
    id: "vms-lock-timeout-two",
    stage: "vms",
    class: "transient",
    description: "the lock timeout on two VMs, once each",
    world: faults((world) => {
      world.faults.lockTimeoutOnce = [122, 131];
    }),
  },
  {
    id: "vms-node-down",
    stage: "vms",
    class: "unfixable",
    description: "the Proxmox node is down: the API answers 595",
    world: faults((world) => {
      world.faults.unreachableNodes = ["pve"];
    }),
    cause: /595|Connection refused|no route to host/i,
  },
  {
    id: "vms-bridge-not-applied",
    stage: "vms",
    class: "unfixable",
    description: "the bridge is written in /etc/network/interfaces but not applied (not active)",
    world: faults((world) => {
      const bridge = world.proxmox.nodes["pve"]?.bridges["vmbr0"];
      if (bridge) {
        bridge.active = false;
      }
    }),
    cause: /not active|pending network configuration/,
  },
  {
    id: "vms-bridge-missing-in-task",
    stage: "vms",
    class: "unfixable",
    description: "the node lists the bridge but QEMU cannot attach to it (interfaces.new not applied)",
    world: faults((world) => {
      world.faults.bridgeMissingInTask = ["vmbr0"];
    }),
    cause: /bridge 'vmbr0' does not exist/,
  },
  // talos: disks, versions and machines
  swap(
    "talos-install-disk-virtio",
    "talos",
    "talos.installDisk is /dev/vda but the VMs' disks are SCSI (/dev/sda)",
    "installDisk: /dev/sda ",
    "installDisk: /dev/vda ",
  ),
  swap(
    "talos-install-disk-nvme",
    "talos",
    "talos.installDisk is an NVMe path the VMs do not have",
    "installDisk: /dev/sda ",
    "installDisk: /dev/nvme0n1 ",
  ),
  swap(
    "talos-node-disk-override",
    "talos",
    "one node's installDisk override names a disk its VM lacks",
    "vmid: 131, memoryMiB: 16384 }",
    "vmid: 131, memoryMiB: 16384, installDisk: /dev/sdb }",
  ),
  // Surfaces in the vms stage (its talos-api check finds nothing at the node's IP); the fix
  // reaches the running VM because the vms stage re-points net0 at the cluster file's MAC.
  swap(
    "talos-mac-typo",
    "vms",
    "a node's MAC has no DHCP reservation, so it boots on another address",
    'mac: "bc:24:11:00:00:22"',
    'mac: "bc:24:11:00:00:2f"',
  ),
  swap(
    "talos-kubernetes-unsupported",
    "talos",
    "kubernetes.version is newer than the nodes' Talos (v1.12.4 supports up to 1.35) accepts",
    "version: v1.35.2",
    "version: v1.36.0",
  ),
  swap(
    "talos-vip-outside-subnet",
    "talos",
    "the Kubernetes endpoint VIP is outside network.cidr",
    "vip: 192.168.1.20,",
    "vip: 192.168.2.20,",
  ),
  {
    id: "talos-etcd-preparing",
    stage: "talos",
    class: "transient",
    description: "etcd on the first control plane still says Preparing once after a reboot",
    world: faults((world) => {
      world.faults["etcdPreparingOnce"] = ["192.168.1.21"];
    }),
  },
  // infra: Flux, its deploy key and the CNI
  swap(
    "infra-deploy-key-path",
    "infra",
    "gitops.flux.deployKeyFile names a file that is not there",
    "deployKeyFile: deploy.key",
    "deployKeyFile: deploy-key.pem",
  ),
  swap(
    "infra-cilium-broken-yaml",
    "infra",
    "the CNI manifest in kubernetes/bootstrap has broken YAML indentation",
    "kind: DaemonSet\nmetadata",
    "kind: DaemonSet\n metadata",
    "kubernetes/bootstrap/20-cilium.yaml",
  ),
  {
    id: "infra-deploy-key-refused",
    stage: "infra",
    class: "unfixable",
    description: "the git server refuses the deploy key (not added to the repository)",
    world: faults((world) => {
      world.faults["fluxSshAuthFails"] = true;
    }),
    cause: /unable to authenticate/,
  },
  // apps, ingress, obs: what Flux and the cluster report
  {
    id: "ingress-tunnel-secret-invalid",
    stage: "ingress",
    class: "unfixable",
    description: "the Cloudflare tunnel credential is invalid",
    world: faults((world) => {
      world.faults["tunnelError"] = TUNNEL_SECRET_ERROR;
    }),
    cause: /Invalid tunnel secret/,
  },
  {
    id: "ingress-certificate-not-ready",
    stage: "ingress",
    class: "unfixable",
    description: "cert-manager cannot issue the wildcard certificate (DNS-01 token refused)",
    world: faults((world) => {
      world.faults["certificatesNotReady"] = ["network/example-com-production"];
    }),
    cause: /example-com-production/,
  },
  {
    id: "apps-helmrelease-timeout",
    stage: "apps",
    class: "unfixable",
    description: "an app's HelmRelease fails its upgrade (context deadline exceeded)",
    world: faults((world) => {
      world.faults["fluxNotReady"] = {
        "HelmRelease default/echo": "Helm upgrade failed: context deadline exceeded",
      };
    }),
    cause: /default\/echo/,
  },
  {
    id: "obs-etcd-target-down",
    stage: "obs",
    class: "unfixable",
    description: "Prometheus cannot scrape kube-etcd",
    world: faults((world) => {
      world.faults["prometheusTargetsDown"] = ["kube-etcd"];
    }),
    cause: /kube-etcd/,
  },
  // The Flux tree (lab/sandbox/flux-tree.ts): its own block at the end of this file.
  ...fluxTreeFaults(),
];

/** The faults named in `ids` (all when empty), or an error naming the unknown ones. */
export function selectFaults(ids: readonly string[]): Fault[] | { unknown: string[] } {
  if (ids.length === 0) {
    return [...FAULTS];
  }
  const unknown = ids.filter((id) => !FAULTS.some((fault) => fault.id === id));
  if (unknown.length > 0) {
    return { unknown };
  }
  return FAULTS.filter((fault) => ids.includes(fault.id));
}

/**
 * The SEARCH/REPLACE edit a model would send for a fix to `faultyText` (the file with the fault
 * in it): whole lines, as the edit applier wants them quoted.
 */
export function fixAsEdit(fix: Fix, faultyText: string): string {
  const at = faultyText.indexOf(fix.search);
  if (at < 0) {
    throw new Error(
      `the fix for ${fix.file} quotes text the file does not have: ${JSON.stringify(fix.search)}`,
    );
  }
  const start = faultyText.lastIndexOf("\n", at) + 1;
  const newline = faultyText.indexOf("\n", at + fix.search.length);
  const lines = faultyText.slice(start, newline < 0 ? faultyText.length : newline);
  const fixed = lines.replace(fix.search, fix.replace);
  return `${fix.file}\n<<<<<<< SEARCH\n${lines}\n=======\n${fixed}\n>>>>>>> REPLACE\n`;
}

/**
 * Faults in the Flux tree every lab repo holds (lab/sandbox/flux-tree.ts, cluster-template's
 * layout). Their fixes change files Flux reads from the git server, so each reaches the cluster
 * only through GitOps delivery: pushed, offered as a pull request on the lab's forge, merged,
 * reconciled. The errors are the lab Flux's, which are kustomize-controller's, helm-controller's
 * and cert-manager's (docs/conformance.md, "Lab Flux"). A function, so it can sit at the end of
 * the file and still be spread into FAULTS above.
 */
function fluxTreeFaults(): Fault[] {
  const echo = "kubernetes/apps/default/echo";
  return [
    swap(
      "apps-kustomization-path-missing",
      "apps",
      "an app's Flux Kustomization points at a folder the repo does not have (echo-server/ for echo/)",
      "path: ./kubernetes/apps/default/echo/app",
      "path: ./kubernetes/apps/default/echo-server/app",
      `${echo}/ks.yaml`,
    ),
    swap(
      "apps-namespace-typo",
      "apps",
      "an app's targetNamespace is misspelt, a namespace the cluster does not have",
      "targetNamespace: default",
      "targetNamespace: defualt",
      `${echo}/ks.yaml`,
    ),
    swap(
      "apps-helm-value-refused",
      "apps",
      "a HelmRelease value the chart's values schema refuses (a quoted port)",
      "port: 80",
      'port: "80"',
      `${echo}/app/helmrelease.yaml`,
    ),
    swap(
      "infra-no-default-storage-class",
      "infra",
      "local-path-provisioner's StorageClass is not the default one, so no storage class is",
      "defaultClass: true",
      "defaultClass: false",
      "kubernetes/apps/storage/local-path-provisioner/app/helmrelease.yaml",
    ),
    swap(
      "ingress-cluster-issuer-missing",
      "ingress",
      "the wildcard Certificate's issuerRef names a ClusterIssuer the tree does not declare",
      "name: letsencrypt-production",
      "name: letsencrypt-prod",
      "kubernetes/apps/network/certificates/app/certificate.yaml",
    ),
    swap(
      "obs-prometheus-port-refused",
      "obs",
      "kube-prometheus-stack's prometheus.service.port is out of range (90900 for 9090)",
      "port: 9090",
      "port: 90900",
      "kubernetes/apps/observability/kube-prometheus-stack/app/helmrelease.yaml",
    ),
    // The class is renamed where the ingress stage owns it (network/), not in echo's Ingress: a fix
    // for the ingress stage may change only its own files: (src/core/patch-guard/stage-scope.ts), and
    // the apps stage cannot see the fault (echo's Kustomization applies fine, Ready).
    swap(
      "ingress-class-missing",
      "ingress",
      "echo's Ingress names IngressClass external, which does not exist: the tunnel's class is named nginx (ingress-nginx's default)",
      "name: external",
      "name: nginx",
      "kubernetes/apps/network/cloudflare-tunnel/app/ingressclass.yaml",
    ),
  ];
}

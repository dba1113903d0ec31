import { z } from "zod";
import { parseCidr, parseIpv4 } from "./ipv4.ts";

/**
 * The cluster file `config/clusters/<name>.yaml` (research/homelab-stages.md §2). Every object is
 * strict: an unknown key is a typo until proven otherwise. Cross-field rules live in rules.ts.
 */

const Ipv4 = z
  .string()
  .refine((text) => parseIpv4(text) !== undefined, "expected an IPv4 address like 192.168.1.21");
const Cidr = z
  .string()
  .refine(
    (text) => parseCidr(text) !== undefined,
    "expected an IPv4 CIDR like 10.42.0.0/16 (host bits zero)",
  );
const SemVerTag = z.string().regex(/^v\d+\.\d+\.\d+$/, "expected a version tag like v1.12.4");
const DnsLabel = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a lower-case DNS label (letters, digits, '-')");

export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** `proxmox.vmDefaults`; each field may be overridden per node. */
export const VmDefaults = z
  .object({
    cpuType: z.string().min(1).default("x86-64-v2-AES"),
    cores: z.number().int().min(1).max(512).default(4),
    memoryMiB: z.number().int().min(1024).default(8192),
    diskGiB: z.number().int().min(8).default(64),
    scsihw: z.string().min(1).default("virtio-scsi-single"),
  })
  .strict();
export type VmDefaults = z.output<typeof VmDefaults>;

export const ProxmoxSettings = z
  .object({
    endpoint: z.url({ protocol: /^https?$/, message: "expected a URL like https://pve.lan:8006/api2/json" }),
    insecureTLS: z.boolean().default(false),
    caFile: z.string().min(1).optional(),
    fingerprint: z
      .string()
      .regex(
        /^([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i,
        "expected the SHA-256 certificate fingerprint (AA:BB:…, 32 bytes)",
      )
      .optional(),
    tokenId: z
      .string()
      .regex(
        /^[^\s@!=]+@[^\s@!=]+![A-Za-z][A-Za-z0-9._-]*$/,
        "expected an API token id like automation@pve!orchestrator",
      ),
    tokenSecretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "expected the NAME of an environment variable, like PROXMOX_TOKEN_SECRET")
      .default("PROXMOX_TOKEN_SECRET"),
    tokenSecretFile: z.string().min(1).optional(),
    node: z.string().min(1),
    storage: z.string().min(1),
    isoStorage: z.string().min(1),
    bridge: z.string().min(1),
    vlan: z.number().int().min(1).max(4094).nullable().default(null),
    vmDefaults: VmDefaults.default(VmDefaults.parse({})),
  })
  .strict();
export type ProxmoxSettings = z.output<typeof ProxmoxSettings>;

/** A disk path, or a selector Talos matches against the disks it sees. */
export const InstallDisk = z.union([
  z.string().regex(/^\/dev\/\S+$/, "expected a device path like /dev/sda"),
  z
    .object({ serial: z.string().optional(), model: z.string().optional(), wwid: z.string().optional() })
    .strict(),
]);
export type InstallDisk = z.output<typeof InstallDisk>;

export const TalosSettings = z
  .object({
    version: SemVerTag,
    schematicId: z
      .string({
        message: "required: the Image Factory schematic id (64 hex characters) from factory.talos.dev",
      })
      .regex(/^[0-9a-f]{64}$/, "expected the Image Factory schematic id: 64 lower-case hex characters"),
    isoUrl: z.url().nullable().default(null),
    installDisk: InstallDisk.default("/dev/sda"),
  })
  .strict();
export type TalosSettings = z.output<typeof TalosSettings>;

export const KubernetesSettings = z
  .object({
    version: SemVerTag,
    endpoint: z
      .object({
        vip: Ipv4,
        port: z.number().int().min(1).max(65535).default(6443),
        extraSANs: z.array(z.string().min(1)).default([]),
      })
      .strict(),
    podCidr: Cidr.default("10.42.0.0/16"),
    serviceCidr: Cidr.default("10.43.0.0/16"),
    cni: z.enum(["cilium", "flannel", "none"]).default("cilium"),
  })
  .strict();
export type KubernetesSettings = z.output<typeof KubernetesSettings>;

export const NetworkSettings = z
  .object({
    cidr: Cidr,
    gateway: Ipv4,
    dns: z.array(Ipv4).min(1),
    ntp: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type NetworkSettings = z.output<typeof NetworkSettings>;

/** One machine. The optional fields override `proxmox.vmDefaults`, `proxmox.node` and `talos.installDisk`. */
export const ClusterNode = z
  .object({
    name: DnsLabel,
    role: z.enum(["controlplane", "worker"]),
    ip: Ipv4,
    mac: z.string().regex(MAC_PATTERN, 'expected a MAC address like "bc:24:11:00:00:21" (quote it in YAML)'),
    vmid: z.number().int().min(100).max(999_999_999),
    cores: z.number().int().min(1).max(512).optional(),
    memoryMiB: z.number().int().min(1024).optional(),
    diskGiB: z.number().int().min(8).optional(),
    pveNode: z.string().min(1).optional(),
    installDisk: InstallDisk.optional(),
  })
  .strict();
export type ClusterNode = z.output<typeof ClusterNode>;

export const FluxSettings = z
  .object({
    // What a GitRepository's spec.url accepts: `^(http|https|ssh)://.*$` (fluxcd/source-controller@065d6ef
    // api/v1/gitrepository_types.go, GitRepositorySpec.URL); plain http is a LAN Gitea's, and
    // bootstrap then needs --allow-insecure-http (src/homelab/tools/flux.ts).
    url: z.string().regex(/^(ssh|https?):\/\/\S+$/, "expected an ssh://, https:// or http:// repository URL"),
    branch: z.string().min(1).default("main"),
    path: z.string().min(1),
    deployKeyFile: z.string().min(1).optional(),
  })
  .strict();
export type FluxSettings = z.output<typeof FluxSettings>;

export const IngressSettings = z
  .object({
    mode: z.enum(["cloudflare-tunnel", "none"]),
    tunnelName: z.string().min(1).optional(),
    credentialsFile: z.string().min(1).optional(),
  })
  .strict();
export type IngressSettings = z.output<typeof IngressSettings>;

export const ClusterFile = z
  .object({
    version: z.literal(1),
    cluster: z.object({ name: DnsLabel, domain: z.string().min(1).optional() }).strict(),
    proxmox: ProxmoxSettings,
    talos: TalosSettings,
    kubernetes: KubernetesSettings,
    network: NetworkSettings,
    nodes: z.array(ClusterNode).min(1, "list at least one node"),
    gitops: z.object({ flux: FluxSettings }).strict().optional(),
    ingress: IngressSettings.optional(),
  })
  .strict();
export type ClusterFile = z.output<typeof ClusterFile>;

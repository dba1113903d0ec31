/**
 * The cluster file `config/clusters/<name>.yaml`: schema, loading with file:line errors, the
 * cross-field rules, and values derived from it. Every homelab stage starts from `loadClusterFile`.
 *
 * - `loadClusterFile(path)` / `parseClusterFile(text, file)` → `ClusterFile`, or a `ConfigError`.
 * - `resolveNodes(cluster)` → nodes with defaults applied (pveNode, cores, memory, disk, installDisk).
 * - `talosIsoUrl`, `talosInstallerImage`: the one Talos version feeds both.
 * - `VM_TAG`: the Proxmox tag that marks a VM as ours.
 * - IPv4/CIDR helpers for other stages (e.g. to check a VIP or a node address).
 */
export {
  type ResolvedNode,
  resolveNode,
  resolveNodes,
  talosInstallerImage,
  talosIsoUrl,
  VM_TAG,
} from "./derived.ts";
export { CLUSTER_FILE_SCHEMA_PATH, clusterJsonSchema, EXAMPLE_CLUSTER_FILE } from "./example.ts";
export {
  type Cidr,
  cidrContains,
  cidrsOverlap,
  formatIpv4,
  isHostAddress,
  parseCidr,
  parseIpv4,
} from "./ipv4.ts";
export { CLUSTER_FILES_DIR, findClusterFile, loadClusterFile, parseClusterFile } from "./load.ts";
export {
  type ClusterFileProblem,
  clusterFileProblem,
  clusterFileProblems,
  inlineSecretProblem,
} from "./rules.ts";
export {
  ClusterFile,
  ClusterNode,
  FluxSettings,
  IngressSettings,
  InstallDisk,
  KubernetesSettings,
  NetworkSettings,
  ProxmoxSettings,
  TalosSettings,
  VmDefaults,
} from "./schema.ts";

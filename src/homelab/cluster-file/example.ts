import { z } from "zod";
import { ClusterFile } from "./schema.ts";

/** Where `init` writes `clusterJsonSchema()`, relative to the homelab repo; the example points at it. */
export const CLUSTER_FILE_SCHEMA_PATH = "ai/schema/cluster-file.schema.json";

/** JSON Schema for editors (the input side: fields with defaults are optional). */
export function clusterJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ClusterFile, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** What `init` writes to `config/clusters/<name>.yaml`; it validates as is (a test keeps it so). */
export const EXAMPLE_CLUSTER_FILE = `# yaml-language-server: $schema=../../${CLUSTER_FILE_SCHEMA_PATH}
# One file describes the cluster; every stage reads it. Secrets never go here.
version: 1
cluster: { name: prox-n100, domain: example.com }

proxmox:
  endpoint: https://pve.lan:8006/api2/json
  # Verify the Proxmox certificate: set caFile (the cluster CA, /etc/pve/pve-root-ca.pem) or
  # fingerprint (Datacenter > node > Certificates). insecureTLS: true turns checks off.
  insecureTLS: false
  # fingerprint: "AA:BB:..."
  tokenId: automation@pve!orchestrator      # pveum user token add automation@pve orchestrator
  tokenSecretEnv: PROXMOX_TOKEN_SECRET      # the secret comes from this variable...
  # tokenSecretFile: ~/.config/homelab/proxmox-token   # ...or from a file outside git
  node: pve                                 # node name (not its IP)
  storage: local-lvm                        # holds VM disks (content: images)
  isoStorage: local                         # holds the Talos ISO (content: iso)
  bridge: vmbr0
  vlan: null
  vmDefaults: { cpuType: x86-64-v2-AES, cores: 4, memoryMiB: 8192, diskGiB: 64, scsihw: virtio-scsi-single }

talos:
  version: v1.12.4                          # one value for the ISO, the installer image and the config contract
  # From https://factory.talos.dev (this one is the plain image without extensions).
  schematicId: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba
  isoUrl: null                              # derived: factory.talos.dev/image/<schematic>/<version>/metal-amd64.iso
  installDisk: /dev/sda                     # scsi disks appear as /dev/sda; virtio-blk as /dev/vda

kubernetes:
  version: v1.35.2
  endpoint: { vip: 192.168.1.20, port: 6443, extraSANs: [k8s.lan] }
  podCidr: 10.42.0.0/16
  serviceCidr: 10.43.0.0/16
  cni: cilium

network: { cidr: 192.168.1.0/24, gateway: 192.168.1.1, dns: [1.1.1.1], ntp: [162.159.200.1] }

# Per node: cores, memoryMiB, diskGiB, pveNode and installDisk override the defaults above.
nodes:
  - { name: cp-1, role: controlplane, ip: 192.168.1.21, mac: "bc:24:11:00:00:21", vmid: 121 }
  - { name: cp-2, role: controlplane, ip: 192.168.1.22, mac: "bc:24:11:00:00:22", vmid: 122 }
  - { name: cp-3, role: controlplane, ip: 192.168.1.23, mac: "bc:24:11:00:00:23", vmid: 123 }
  - { name: w-1, role: worker, ip: 192.168.1.31, mac: "bc:24:11:00:00:31", vmid: 131, memoryMiB: 16384 }

gitops:
  flux: { url: ssh://git@github.com/me/home-ops.git, branch: main, path: kubernetes/flux/cluster, deployKeyFile: deploy.key }

ingress: { mode: cloudflare-tunnel, tunnelName: kubernetes, credentialsFile: cloudflare-tunnel.json }
`;

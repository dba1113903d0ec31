import { type ClusterFile, type ResolvedNode, resolveNodes, VM_TAG } from "../cluster-file/index.ts";
import { type ProxmoxClient, ProxmoxError } from "../proxmox/index.ts";
import { Talosctl, ToolError } from "../tools/index.ts";
import type { StageCheck } from "./checks.ts";
import type { toolsOf } from "./stage-context.ts";

/**
 * The vms stage's success checks (research/homelab-stages.md §1 vms "Success"), read from the
 * Proxmox API and, for the last one, from the Talos API at each node's address. Research's
 * "TCP 50000 answers" is checked through `talosctl get machinestatus --insecure`, which opens
 * that very port and also works where raw sockets cannot be opened (the sandbox lab).
 */

type Tools = ReturnType<typeof toolsOf>;

const label = (node: ResolvedNode) => `${node.name} (vmid ${node.vmid} on ${node.pveNode})`;

/** One problem per node, all nodes checked; a Proxmox refusal is quoted as Proxmox sent it. */
async function perVm(
  cluster: ClusterFile,
  tools: Tools,
  problemOf: (client: ProxmoxClient, node: ResolvedNode) => Promise<string | undefined>,
): Promise<string | undefined> {
  const client = await tools.proxmox(cluster);
  const problems: string[] = [];
  for (const node of resolveNodes(cluster)) {
    try {
      const problem = await problemOf(client, node);
      if (problem !== undefined) {
        problems.push(`${label(node)} ${problem}`);
      }
    } catch (error) {
      if (!(error instanceof ProxmoxError)) {
        throw error;
      }
      // No answer, or the token refused: the same for every VM, so said once.
      if (error.status === 0 || error.status === 401) {
        return error.message;
      }
      problems.push(`${label(node)}: ${error.message}`);
    }
  }
  return problems.length === 0 ? undefined : problems.join("; ");
}

/** The VM's configuration; missing is a problem named in words the user knows. */
async function configOf(client: ProxmoxClient, node: ResolvedNode) {
  const config = await client.vmConfig(node.pveNode, node.vmid);
  return config ?? `does not exist in Proxmox (no VM ${node.vmid} on node ${node.pveNode}); run the vms step`;
}

/** `virtio=BC:24:11:00:00:21,bridge=vmbr0` → `bc:24:11:00:00:21` */
export function macOfNet0(net0: string): string | undefined {
  return /(?:^|,)[a-z0-9]+=([0-9a-f]{2}(?::[0-9a-f]{2}){5})(?:,|$)/i.exec(net0)?.[1]?.toLowerCase();
}

/** A configured node refuses clients without its certificate: its API answered all the same. */
const CONFIGURED_NODE = /certificate required|bad certificate|PermissionDenied/;

export const VMS_CHECKS: readonly StageCheck[] = [
  {
    name: "vms-running",
    description: "every node's VM is running in Proxmox",
    run: (cluster, tools) =>
      perVm(cluster, tools, async (client, node) => {
        const status = await client.vmStatus(node.pveNode, node.vmid);
        if (status.status === "running") {
          return undefined;
        }
        const lock = status.lock === undefined ? "" : ` (locked: ${status.lock})`;
        return `is ${status.status}${lock}, not running (Proxmox status/current)`;
      }),
  },
  {
    name: "vms-identity",
    description: `every VM carries its node's name and the tag ${VM_TAG}`,
    run: (cluster, tools) =>
      perVm(cluster, tools, async (client, node) => {
        const config = await configOf(client, node);
        if (typeof config === "string") {
          return config;
        }
        const name = String(config["name"] ?? "");
        const tags = String(config["tags"] ?? "")
          .split(/[;, ]+/)
          .filter(Boolean);
        const wrong = [
          name === node.name ? undefined : `is named "${name}", not "${node.name}"`,
          tags.includes(VM_TAG) ? undefined : `has tags "${tags.join(";")}" without ${VM_TAG}`,
        ].filter((text) => text !== undefined);
        return wrong.length === 0 ? undefined : wrong.join(" and ");
      }),
  },
  {
    name: "vms-mac",
    description: "every VM's net0 MAC is its node's MAC in the cluster file",
    run: (cluster, tools) =>
      perVm(cluster, tools, async (client, node) => {
        const config = await configOf(client, node);
        if (typeof config === "string") {
          return config;
        }
        const net0 = config["net0"] === undefined ? undefined : String(config["net0"]);
        const mac = net0 === undefined ? undefined : macOfNet0(net0);
        if (mac === node.mac.toLowerCase()) {
          return undefined;
        }
        return net0 === undefined
          ? `has no net0; the cluster file says MAC ${node.mac}`
          : `has net0 "${net0}": MAC ${mac ?? "(none)"}, the cluster file says ${node.mac}`;
      }),
  },
  {
    name: "talos-api",
    description: "the Talos API answers on port 50000 at every node's address",
    async run(cluster, tools) {
      // One minute per node at most: an address nothing answers at can hang a TCP connect for long.
      const talosctl = new Talosctl({ ...tools.talosctl.options, timeoutMs: 60_000 });
      const problems: string[] = [];
      for (const node of resolveNodes(cluster)) {
        try {
          await talosctl.machineStage(node.ip, { insecure: true });
        } catch (error) {
          if (!(error instanceof ToolError)) {
            throw error;
          }
          if (!CONFIGURED_NODE.test(error.message)) {
            problems.push(`${node.name} (${node.ip}): the Talos API does not answer: ${error.message}`);
          }
        }
      }
      return problems.length === 0 ? undefined : problems.join("; ");
    },
  },
];

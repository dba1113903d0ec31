import type { ClusterFile, ResolvedNode } from "../cluster-file/index.ts";
import { type ProxmoxClient, type PveVmConfig, parseProxmoxNic } from "../proxmox/index.ts";
import { VmsStageError } from "./vms-preflight.ts";

/**
 * A VM's first NIC follows the cluster file: model virtio, the node's MAC, `proxmox.bridge` and
 * `proxmox.vlan`. The MAC is what the DHCP reservation and the node's address hang on, so a fixed
 * typo in it must reach the VM, not only the file. Other NIC options (firewall, rate, …) are kept.
 *
 * Proxmox applies the change to a running VM by hot-plug (proxmox/qemu-server@9.2.6
 * src/PVE/QemuServer.pm:5108-5205): a new MAC or model unplugs the NIC and plugs a new one, which
 * a Talos node in maintenance mode answers with DHCP on the new link; a new bridge or VLAN
 * re-plugs the tap and flaps the link so the guest renews its lease. Without the `network`
 * hotplug feature a new MAC stays pending until the VM restarts, which this tool never does: it
 * says so and stops.
 */

export type NicApi = Pick<ProxmoxClient, "setVmNic" | "vmPending">;

/** The `net0` value the cluster file asks for, as `createVm` writes it. */
export function wantedNet0(cluster: ClusterFile, node: ResolvedNode): string {
  const { bridge, vlan } = cluster.proxmox;
  return `virtio=${node.mac.toUpperCase()},bridge=${bridge}${vlan === null ? "" : `,tag=${vlan}`}`;
}

/**
 * The new `net0` for a VM whose NIC differs from the cluster file, with what differs in words;
 * undefined when model, MAC, bridge and VLAN already match.
 */
export function net0Change(
  current: string | undefined,
  cluster: ClusterFile,
  node: ResolvedNode,
): { value: string; differences: string[] } | undefined {
  const want = parseProxmoxNic(wantedNet0(cluster, node));
  if (want === undefined) {
    return undefined;
  }
  const have = parseProxmoxNic(current ?? "");
  if (have === undefined) {
    return { value: wantedNet0(cluster, node), differences: [`net0 is ${current ?? "missing"}`] };
  }
  const differences: string[] = [];
  const compare = (what: string, before: string | undefined, after: string | undefined) => {
    if (before !== after) {
      differences.push(`${what} ${before ?? "none"} → ${after ?? "none"}`);
    }
  };
  compare("model", have.model, want.model);
  compare("MAC", have.mac, want.mac);
  compare("bridge", have.options.get("bridge"), want.options.get("bridge"));
  compare("VLAN tag", have.options.get("tag"), want.options.get("tag"));
  if (differences.length === 0) {
    return undefined;
  }
  const options = new Map(have.options);
  options.delete("tag");
  options.set("bridge", want.options.get("bridge") ?? "");
  const tag = want.options.get("tag");
  if (tag !== undefined) {
    options.set("tag", tag);
  }
  const rest = [...options].map(([key, value]) => (value === "" ? key : `${key}=${value}`));
  return { value: [`${want.model}=${want.mac.toUpperCase()}`, ...rest].join(","), differences };
}

/** Re-points net0 when it differs from the cluster file; returns what changed (empty: nothing). */
export async function reconcileNet0(
  client: NicApi,
  cluster: ClusterFile,
  node: ResolvedNode,
  config: PveVmConfig,
  log: (line: string) => void,
  label: string,
): Promise<string[]> {
  const change = net0Change(config["net0"] === undefined ? undefined : String(config["net0"]), cluster, node);
  if (change === undefined) {
    return [];
  }
  const digest = typeof config["digest"] === "string" ? config["digest"] : undefined;
  await client.setVmNic(node.pveNode, node.vmid, {
    key: "net0",
    value: change.value,
    ...(digest === undefined ? {} : { digest }),
  });
  log(`${label}: net0 set to ${change.value} (${change.differences.join(", ")}), as the cluster file says`);
  return change.differences;
}

/** The words of that stop; human-causes.ts knows no repo change fixes it. */
export const NIC_PENDING = "is pending: Proxmox could not hot-plug it";

/** A running VM whose net0 waits for a restart runs the old NIC: a stop naming what to do. */
export async function refusePendingNet0(client: NicApi, node: ResolvedNode, label: string): Promise<void> {
  const net0 = (await client.vmPending(node.pveNode, node.vmid)).find((option) => option.key === "net0");
  if (net0?.pending === undefined) {
    return;
  }
  throw new VmsStageError(
    `proxmox: ${label}: net0 ${net0.pending} ${NIC_PENDING} (the VM's hotplug option lacks network), so the VM still runs ${net0.value ?? "its old NIC"}; restart the VM in Proxmox to apply it (the tool never restarts a VM)`,
  );
}

import { createHash } from "node:crypto";
import {
  type ClusterFile,
  type ResolvedNode,
  resolveNodes,
  talosIsoUrl,
  VM_TAG,
} from "../cluster-file/index.ts";
import {
  type ProxmoxClient,
  ProxmoxTaskError,
  type PveVmConfig,
  type WaitOptions,
} from "../proxmox/index.ts";
import { reconcileNet0, refusePendingNet0, wantedNet0 } from "./vms-nic.ts";
import { preflightDownload, preflightNode, VmsStageError } from "./vms-preflight.ts";

/**
 * The `vms` stage (research/homelab-stages.md §1): per node, idempotently, preflight the storage,
 * ISO storage and bridge, download the Talos ISO once, create the VM when absent (adopting only a
 * VM with our tag and name), point its NIC at the cluster file's MAC, bridge and VLAN
 * (vms-nic.ts), start it when stopped, and wait on every task. It never deletes, stops, resets,
 * resizes or otherwise reconfigures a VM: other drift is reported, not repaired.
 */

/** The client calls this stage makes; `ProxmoxClient` satisfies it. */
export type VmsProxmoxApi = Pick<
  ProxmoxClient,
  | "version"
  | "nodeStorage"
  | "nodeNetwork"
  | "storageContent"
  | "downloadUrl"
  | "vmConfig"
  | "vmPending"
  | "setVmNic"
  | "createVm"
  | "vmStatus"
  | "startVm"
  | "waitForTask"
  | "taskLog"
  | "nodeTasks"
  | "privileges"
>;

export interface VmsStageOptions {
  readonly cluster: ClusterFile;
  readonly client: VmsProxmoxApi;
  /** One progress line at a time. */
  readonly log: (line: string) => void;
  readonly wait?: WaitOptions;
}

export interface VmsNodeResult {
  readonly name: string;
  readonly vmid: number;
  readonly pveNode: string;
  /** created: made by this run; started: existed stopped and was started; adopted: ours by tag and name
   *  but not made by this tool; unchanged: already ours and running. */
  readonly outcome: "created" | "adopted" | "started" | "unchanged";
  /** What changed on the VM's NIC to match the cluster file (`MAC a → b`); empty when nothing. */
  readonly nic: readonly string[];
  /** Other differences between the VM and the cluster file, reported and left alone. */
  readonly drift: readonly string[];
}

export interface VmsStageSummary {
  readonly isos: readonly {
    readonly pveNode: string;
    readonly volid: string;
    readonly downloaded: boolean;
  }[];
  readonly nodes: readonly VmsNodeResult[];
}

export { VmsStageError };

/** Written into the description of VMs this tool creates, to tell them from adopted ones. */
const CREATED_MARK = "Created by homelab-orchestrator";

export async function runVmsStage(options: VmsStageOptions): Promise<VmsStageSummary> {
  const { cluster, client, log } = options;
  const version = await client.version();
  log(
    `proxmox: Proxmox VE ${version.version} at ${cluster.proxmox.endpoint}, token ${cluster.proxmox.tokenId}`,
  );
  const nodes = resolveNodes(cluster);
  const pveNodes = [...new Set(nodes.map((node) => node.pveNode))];
  for (const pveNode of pveNodes) {
    await preflight(options, pveNode);
  }
  const isos = [];
  for (const pveNode of pveNodes) {
    isos.push(await ensureIso(options, pveNode));
  }
  const results: VmsNodeResult[] = [];
  for (const node of nodes) {
    const iso = isos.find((candidate) => candidate.pveNode === node.pveNode);
    results.push(await ensureVm(options, node, iso?.volid ?? ""));
  }
  const count = (outcome: VmsNodeResult["outcome"]) =>
    results.filter((result) => result.outcome === outcome).length;
  log(
    `vms: ${results.length} VMs running (created ${count("created")}, started ${count("started")}, adopted ${count("adopted")}, unchanged ${count("unchanged")})`,
  );
  return { isos, nodes: results };
}

async function preflight({ cluster, client, log }: VmsStageOptions, pveNode: string): Promise<void> {
  await preflightNode(client, cluster, pveNode);
  const { storage, isoStorage, bridge } = cluster.proxmox;
  log(`proxmox: node ${pveNode}: storage ${storage}, ISO storage ${isoStorage}, bridge ${bridge}: ok`);
}

/** The ISO's file name carries a hash of its URL, so a changed URL means a new file, downloaded once. */
export function isoFileName(cluster: ClusterFile): string {
  const hash = createHash("sha256").update(talosIsoUrl(cluster)).digest("hex").slice(0, 16);
  return `talos-${cluster.talos.version}-${hash}.iso`;
}

async function ensureIso(options: VmsStageOptions, pveNode: string) {
  const { cluster, client, log } = options;
  const { isoStorage } = cluster.proxmox;
  const filename = isoFileName(cluster);
  const volid = `${isoStorage}:iso/${filename}`;
  const volumes = await client.storageContent(pveNode, isoStorage, { content: "iso" });
  if (volumes.some((volume) => volume.volid === volid)) {
    log(`iso: ${volid} already on node ${pveNode}`);
    return { pveNode, volid, downloaded: false };
  }
  const url = talosIsoUrl(cluster);
  await preflightDownload(client, cluster, pveNode);
  const upid = await client.downloadUrl(pveNode, isoStorage, { url, filename, content: "iso" });
  log(`iso: downloading ${url} to ${volid} (task ${upid})`);
  await awaitTask(options, upid);
  log(`iso: ${volid} downloaded`);
  return { pveNode, volid, downloaded: true };
}

async function ensureVm(
  options: VmsStageOptions,
  node: ResolvedNode,
  isoVolid: string,
): Promise<VmsNodeResult> {
  const { cluster, client, log } = options;
  const label = `vm ${node.name} (${node.vmid} on ${node.pveNode})`;
  let config = await client.vmConfig(node.pveNode, node.vmid);
  let created = false;
  let drift: string[] = [];
  let nic: string[] = [];
  if (config === undefined) {
    const upid = await client.createVm(node.pveNode, createParams(cluster, node, isoVolid));
    log(`${label}: creating (task ${upid})`);
    await awaitTask(options, upid);
    created = true;
  } else {
    refuseForeign(cluster, node, config);
    if (config["lock"] !== undefined) {
      config = await awaitLockingTasks(options, node, label, String(config["lock"]));
    }
    nic = await reconcileNet0(client, cluster, node, config, log, label);
    drift = driftOf(node, config);
    for (const line of drift) {
      log(`${label}: drift: ${line} (left as is: the tool changes only a VM's NIC)`);
    }
  }
  const status = await client.vmStatus(node.pveNode, node.vmid);
  let started = false;
  if (status.status === "stopped") {
    const upid = await client.startVm(node.pveNode, node.vmid);
    log(`${label}: starting (task ${upid})`);
    await awaitTask(options, upid);
    started = true;
  } else if (status.status !== "running") {
    throw new VmsStageError(`proxmox: ${label} is ${status.status}; check it in Proxmox`);
  } else if (status.qmpstatus !== undefined && status.qmpstatus !== "running") {
    // Proxmox says `running` for a paused or suspended VM too; QEMU's own state is qmpstatus
    // (proxmox/qemu-server@9.2.6 src/PVE/QemuServer.pm:2373-2377, 2772-2785).
    throw new VmsStageError(
      `proxmox: ${label} is ${status.qmpstatus}; resume it in Proxmox (the tool does not change it)`,
    );
  }
  if (!created && !started) {
    await refusePendingNet0(client, node, label);
  }
  const adopted = !created && !String(config?.["description"] ?? "").includes(CREATED_MARK);
  const outcome = created ? "created" : started ? "started" : adopted ? "adopted" : "unchanged";
  log(`${label}: ${outcome}, running`);
  return { name: node.name, vmid: node.vmid, pveNode: node.pveNode, outcome, nic, drift };
}

/**
 * A VM locked by a task an earlier run started (and did not see finish) is waited for, not
 * created or started again: the task is found by its vmid among the node's running tasks.
 */
async function awaitLockingTasks(options: VmsStageOptions, node: ResolvedNode, label: string, lock: string) {
  const { client, log } = options;
  const running = await client.nodeTasks(node.pveNode, { vmid: node.vmid, source: "active" });
  for (const task of running) {
    log(`${label}: locked (${lock}); waiting for the running task ${task.upid}`);
    await awaitTask(options, task.upid);
  }
  const config = await client.vmConfig(node.pveNode, node.vmid);
  if (config === undefined) {
    throw new VmsStageError(`proxmox: ${label} disappeared while its ${lock} task ran; run the step again`);
  }
  if (config["lock"] !== undefined) {
    throw new VmsStageError(
      `proxmox: ${label} is locked (${config["lock"]}) and no task holds the lock; check the VM in Proxmox, then "qm unlock ${node.vmid}"`,
    );
  }
  return config;
}

function createParams(cluster: ClusterFile, node: ResolvedNode, isoVolid: string) {
  const { proxmox } = cluster;
  return {
    vmid: node.vmid,
    name: node.name,
    tags: VM_TAG,
    description: `${CREATED_MARK} for cluster ${cluster.cluster.name} (${node.role}).`,
    ostype: "l26",
    cpu: node.cpuType,
    cores: node.cores,
    // Memory stays out of hotplug: Talos cannot see hot-plugged memory.
    memory: node.memoryMiB,
    scsihw: node.scsihw,
    scsi0: `${proxmox.storage}:${node.diskGiB}`,
    ide2: `${isoVolid},media=cdrom`,
    net0: wantedNet0(cluster, node),
    boot: "order=scsi0;ide2",
    agent: 1,
    onboot: 1,
  };
}

/** A VM we did not make stays untouched: it must carry our tag and the node's name. */
function refuseForeign(cluster: ClusterFile, node: ResolvedNode, config: PveVmConfig): void {
  const tags = String(config["tags"] ?? "")
    .split(/[;, ]+/)
    .filter(Boolean);
  const name = String(config["name"] ?? "");
  if (tags.includes(VM_TAG) && name === node.name) {
    return;
  }
  const why = tags.includes(VM_TAG)
    ? `it carries our tag but is named "${name}"`
    : `it does not carry the tag ${VM_TAG}`;
  throw new VmsStageError(
    `proxmox: vmid ${node.vmid} on node ${node.pveNode} belongs to another VM ("${name}", tags: ${tags.join(";") || "none"}): ${why}; choose a free vmid for node ${node.name} in the cluster file (${cluster.cluster.name})`,
  );
}

function driftOf(node: ResolvedNode, config: PveVmConfig): string[] {
  const drift: string[] = [];
  if (Number(config["cores"] ?? 1) !== node.cores) {
    drift.push(`cores is ${config["cores"] ?? 1}, the cluster file says ${node.cores}`);
  }
  if (Number(config["memory"] ?? 512) !== node.memoryMiB) {
    drift.push(`memory is ${config["memory"] ?? 512} MiB, the cluster file says ${node.memoryMiB}`);
  }
  const size = /size=(\d+)G/.exec(String(config["scsi0"] ?? ""))?.[1];
  if (size !== undefined && Number(size) !== node.diskGiB) {
    drift.push(`scsi0 is ${size} GiB, the cluster file says ${node.diskGiB}`);
  }
  return drift;
}

/** Waits on a task; a failed one logs its last task-log lines before the error goes up. */
async function awaitTask({ client, log, wait }: VmsStageOptions, upid: string): Promise<void> {
  try {
    await client.waitForTask(upid, wait ?? {});
  } catch (error) {
    if (error instanceof ProxmoxTaskError) {
      log(`proxmox: task log of ${upid}:`);
      for (const line of error.logTail) {
        log(`  ${line}`);
      }
    }
    throw error;
  }
}

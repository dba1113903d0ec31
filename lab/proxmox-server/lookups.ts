import type { LabTask, LabVm, World } from "../world/index.ts";
import { LabHttpError, parameterError } from "./lab-http-error.ts";

/** Finding things in the world the way Proxmox does, failing with Proxmox's own answers. */

export function missingParams(
  params: Readonly<Record<string, string>>,
  required: readonly string[],
): LabHttpError | undefined {
  const missing = required.filter((name) => params[name] === undefined || params[name] === "");
  return missing.length === 0
    ? undefined
    : parameterError(
        Object.fromEntries(missing.map((name) => [name, "property is missing and it is not optional"])),
      );
}

/** Proxmox validates the node name's format (an IP is not a node name) before it looks it up. */
export function nodeName(world: World, match: Readonly<Record<string, string>>): string {
  const node = match["node"] ?? "";
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(node)) {
    throw parameterError({ node: "invalid format - value does not look like a valid node name" });
  }
  if (!world.proxmox.nodes[node]) {
    throw new LabHttpError(
      500,
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
  if (world.faults.unreachableNodes.includes(node)) {
    throw new LabHttpError(595, `Connection refused`);
  }
  return node;
}

export function pveNode(world: World, match: Readonly<Record<string, string>>) {
  const node = world.proxmox.nodes[nodeName(world, match)];
  if (!node) {
    throw new Error("nodeName checked it exists");
  }
  return node;
}

export function storageOf(world: World, node: string, storageId: string) {
  const storage = world.proxmox.nodes[node]?.storages[storageId];
  if (!storage || world.faults.missingStorage.includes(storageId)) {
    throw new LabHttpError(500, `storage '${storageId}' does not exist`);
  }
  return storage;
}

export function vmidOf(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 100 || Number(text) > 999_999_999) {
    throw parameterError({ vmid: "invalid format - value does not look like a valid VM ID" });
  }
  return Number(text);
}

export function vmOf(world: World, match: Readonly<Record<string, string>>): LabVm {
  const node = nodeName(world, match);
  const vmid = vmidOf(match["vmid"] ?? "");
  const vm = world.proxmox.vms[String(vmid)];
  if (!vm || vm.node !== node) {
    throw new LabHttpError(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  }
  return vm;
}

export function taskOf(world: World, match: Readonly<Record<string, string>>): LabTask {
  const node = nodeName(world, match);
  const upid = match["upid"] ?? "";
  const task = world.proxmox.tasks[upid];
  if (!/^UPID:/.test(upid)) {
    throw parameterError({ upid: "unable to parse worker upid" });
  }
  if (!task || task.node !== node) {
    throw new LabHttpError(500, `no such task`);
  }
  return task;
}

import type { LabVm, World } from "../world/index.ts";
import { LabHttpError, parameterError } from "./lab-http-error.ts";
import { missingParams, nodeName, pveNode, storageOf, vmidOf, vmOf } from "./lookups.ts";
import { hasAny, requireAll } from "./permissions.ts";
import type { RouteContext } from "./routes.ts";
import { startTask } from "./tasks.ts";

/** The calls that make or start things, as tasks, with the faults the world asks for. */

/**
 * `download-url` needs Datastore.AllocateTemplate on the storage AND either Sys.Audit plus
 * Sys.Modify on / or Sys.AccessNetwork on the node (proxmox/pve-storage@9.1.7
 * src/PVE/API2/Storage/Status.pm:743-757).
 */
export function downloadUrl({ world, match, params, user, token, now }: RouteContext): string {
  const node = nodeName(world, match);
  const storageId = match["storage"] ?? "";
  requireAll(world, token, `/storage/${storageId}`, ["Datastore.AllocateTemplate"]);
  if (!hasAny(world, token, `/nodes/${node}`, ["Sys.AccessNetwork"])) {
    requireAll(world, token, "/", ["Sys.Audit", "Sys.Modify"]);
  }
  const missing = missingParams(params, ["url", "filename", "content"]);
  if (missing) {
    throw missing;
  }
  const content = params["content"] ?? "";
  if (!["iso", "vztmpl", "import"].includes(content)) {
    throw parameterError({
      content: `value '${content}' does not have a value in the enumeration 'iso, vztmpl, import'`,
    });
  }
  const filename = params["filename"] ?? "";
  if (content === "iso" && !/\.(iso|img)$/.test(filename)) {
    throw parameterError({ filename: "wrong file extension" });
  }
  const storage = storageOf(world, node, storageId);
  if (!storage.content.includes(content)) {
    throw new LabHttpError(500, `storage '${storageId}' does not support content-type '${content}'`);
  }
  const volid = `${storageId}:${content}/${filename}`;
  const url = params["url"] ?? "";
  const path = `/var/lib/vz/template/${content}/${filename}`;
  return startTask(
    world,
    {
      node,
      type: "download",
      id: storageId,
      user,
      effect: {
        kind: "download",
        volid,
        volume: { node, storage: storageId, content, size: 104_857_600, sourceUrl: url },
      },
      log: [`downloading ${url} to ${path}`, `download of '${url}' to '${path}' finished`],
    },
    now,
  ).upid;
}

/** Parameters `POST /nodes/{node}/qemu` accepts here; Proxmox refuses any other. */
const CREATE_PARAMS = new Set([
  "vmid",
  "name",
  "tags",
  "cpu",
  "cores",
  "sockets",
  "memory",
  "balloon",
  "scsihw",
  "scsi0",
  "ide2",
  "net0",
  "boot",
  "agent",
  "onboot",
  "ostype",
  "bios",
  "machine",
  "description",
  "start",
]);

/**
 * `POST /nodes/{node}/qemu`: besides VM.Allocate, Datastore.AllocateSpace on each disk's storage
 * and SDN.Use on each bridge (proxmox/qemu-server@9.2.6 src/PVE/API2/Qemu.pm:1164-1168, 1298, 1364).
 */
export function createVm({ world, match, params, user, token, now }: RouteContext): string {
  const node = nodeName(world, match);
  const missing = missingParams(params, ["vmid"]);
  if (missing) {
    throw missing;
  }
  const unknown = Object.keys(params).filter((key) => !CREATE_PARAMS.has(key));
  if (unknown.length > 0) {
    throw parameterError(
      Object.fromEntries(
        unknown.map((key) => [
          key,
          "property is not defined in schema and the schema does not allow additional properties",
        ]),
      ),
    );
  }
  const vmid = vmidOf(params["vmid"] ?? "");
  const net0 = params["net0"];
  if (
    net0 !== undefined &&
    !/^(virtio|e1000|vmxnet3)=[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5},bridge=[^,]+(,tag=\d+)?(,firewall=[01])?$/.test(
      net0,
    )
  ) {
    throw parameterError({ net0: "invalid format - format error" });
  }
  const bridge = /bridge=([^,]+)/.exec(net0 ?? "")?.[1];
  if (bridge !== undefined) {
    requireAll(world, token, `/sdn/zones/localnetwork/${bridge}`, ["SDN.Use"]);
  }
  if (world.proxmox.vms[String(vmid)]) {
    throw new LabHttpError(500, `unable to create VM ${vmid}: config file already exists`);
  }
  const disk = params["scsi0"];
  if (disk !== undefined) {
    const storageId = disk.split(":")[0] ?? "";
    requireAll(world, token, `/storage/${storageId}`, ["Datastore.AllocateSpace"]);
    const storage = storageOf(world, node, storageId);
    if (!storage.content.includes("images")) {
      throw new LabHttpError(500, `storage '${storageId}' does not support vm images`);
    }
  }
  const cdrom = params["ide2"]?.split(",")[0];
  if (cdrom && cdrom !== "none" && cdrom !== "cdrom" && !world.proxmox.volumes[cdrom]) {
    throw new LabHttpError(500, `volume '${cdrom}' does not exist`);
  }
  const config: LabVm["config"] = {};
  for (const [key, value] of Object.entries(params)) {
    if (key !== "vmid" && key !== "start") {
      config[key] = /^\d+$/.test(value) && key !== "name" ? Number(value) : value;
    }
  }
  if (disk !== undefined) {
    const [storageId, size] = disk.split(/[:,]/);
    config["scsi0"] = `${storageId}:vm-${vmid}-disk-0,size=${size}G`;
  }
  const name = params["name"] ?? `VM ${vmid}`;
  world.proxmox.vms[String(vmid)] = { vmid, node, name, status: "stopped", lock: "create", config };
  const lockFault = takeLockFault(world, vmid);
  return startTask(
    world,
    {
      node,
      type: "qmcreate",
      id: String(vmid),
      user,
      effect: { kind: "create", vmid },
      log: disk === undefined ? [] : [`  Logical volume "vm-${vmid}-disk-0" created.`],
      ...(lockFault ? { failure: lockFault } : {}),
    },
    now,
  ).upid;
}

export function startVm({ world, match, user, now }: RouteContext): string {
  const vm = vmOf(world, match);
  const bridge = /bridge=([^,]+)/.exec(String(vm.config["net0"] ?? ""))?.[1];
  const bridges = pveNode(world, { node: vm.node }).bridges;
  let failure = takeLockFault(world, vm.vmid);
  if (!failure && vm.status === "running") {
    failure = { exitstatus: `VM ${vm.vmid} already running`, log: [] };
  }
  if (
    !failure &&
    bridge !== undefined &&
    (!bridges[bridge]?.active || world.faults.bridgeMissingInTask.includes(bridge))
  ) {
    failure = {
      exitstatus: "start failed: QEMU exited with code 1",
      log: [
        `bridge '${bridge}' does not exist`,
        `kvm: -netdev type=tap,id=net0,ifname=tap${vm.vmid}i0,script=/var/lib/qemu-server/pve-bridge,downscript=/var/lib/qemu-server/pve-bridgedown,vhost=on: network script /var/lib/qemu-server/pve-bridge failed with status 512`,
      ],
    };
  }
  return startTask(
    world,
    {
      node: vm.node,
      type: "qmstart",
      id: String(vm.vmid),
      user,
      effect: { kind: "start", vmid: vm.vmid },
      log: [],
      ...(failure ? { failure } : {}),
    },
    now,
  ).upid;
}

function takeLockFault(world: World, vmid: number): { exitstatus: string; log: string[] } | undefined {
  const index = world.faults.lockTimeoutOnce.indexOf(vmid);
  if (index < 0) {
    return undefined;
  }
  world.faults.lockTimeoutOnce.splice(index, 1);
  return {
    exitstatus: `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`,
    log: ["trying to acquire lock..."],
  };
}

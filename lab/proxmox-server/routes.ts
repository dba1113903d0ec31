import type { LabTask, LabVm, World } from "../world/index.ts";
import { LabHttpError, parameterError } from "./lab-http-error.ts";
import { pollTask, startTask } from "./tasks.ts";

export interface RouteContext {
  readonly world: World;
  /** Path captures, by name. */
  readonly match: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  /** `user@realm!token` */
  readonly user: string;
  readonly now: Date;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  /** The ACL path and privilege Proxmox checks, for the 403 of a token that lacks it. */
  readonly privilege: (
    match: Readonly<Record<string, string>>,
    params: Readonly<Record<string, string>>,
  ) => string;
  readonly handle: (context: RouteContext) => unknown;
}

const NODE = "(?<node>[^/]+)";
const VMID = "(?<vmid>[^/]+)";

export const ROUTES: readonly Route[] = [
  { method: "GET", pattern: /^\/version$/, privilege: () => "", handle: ({ world }) => versionOf(world) },
  {
    method: "GET",
    pattern: /^\/nodes$/,
    privilege: () => "/nodes, Sys.Audit",
    handle: ({ world }) =>
      Object.keys(world.proxmox.nodes).map((node) => ({ node, status: "online", type: "node" })),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/storage$`),
    privilege: ({ node }) => `/nodes/${node}, Sys.Audit`,
    handle: ({ world, match, params }) =>
      Object.entries(pveNode(world, match).storages)
        .filter(([id]) => !world.faults.missingStorage.includes(id))
        .filter(([, storage]) => !params["content"] || storage.content.includes(params["content"]))
        .map(([id, storage]) => ({
          storage: id,
          type: storage.type,
          content: storage.content.join(","),
          active: 1,
          enabled: 1,
          shared: 0,
          total: 100 * 2 ** 30,
          avail: 80 * 2 ** 30,
        })),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/storage/(?<storage>[^/]+)/content$`),
    privilege: ({ storage }) => `/storage/${storage}, Datastore.Audit`,
    handle: ({ world, match, params }) => {
      const node = nodeName(world, match);
      storageOf(world, node, match["storage"] ?? "");
      return Object.entries(world.proxmox.volumes)
        .filter(([, volume]) => volume.node === node && volume.storage === match["storage"])
        .filter(([, volume]) => !params["content"] || volume.content === params["content"])
        .map(([volid, volume]) => ({
          volid,
          content: volume.content,
          format: volume.content,
          size: volume.size,
        }));
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^/nodes/${NODE}/storage/(?<storage>[^/]+)/download-url$`),
    privilege: ({ storage }) => `/storage/${storage}, Datastore.AllocateTemplate`,
    handle: (context) => downloadUrl(context),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/network$`),
    privilege: ({ node }) => `/nodes/${node}, Sys.Audit`,
    handle: ({ world, match, params }) =>
      Object.entries(pveNode(world, match).bridges)
        .map(([iface, bridge]) => ({ iface, type: "bridge", active: bridge.active ? 1 : 0, autostart: 1 }))
        .filter(
          (iface) => !params["type"] || params["type"] === iface.type || params["type"] === "any_bridge",
        ),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/qemu$`),
    privilege: ({ node }) => `/nodes/${node}, VM.Audit`,
    handle: ({ world, match }) => {
      const node = nodeName(world, match);
      return Object.values(world.proxmox.vms)
        .filter((vm) => vm.node === node)
        .map((vm) => ({ vmid: vm.vmid, name: vm.name, status: vm.status, tags: vm.config["tags"] }));
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^/nodes/${NODE}/qemu$`),
    privilege: (_match, params) => `/vms/${params["vmid"] ?? ""}, VM.Allocate`,
    handle: (context) => createVm(context),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/qemu/${VMID}/config$`),
    privilege: ({ vmid }) => `/vms/${vmid}, VM.Audit`,
    handle: ({ world, match }) => {
      const vm = vmOf(world, match);
      return {
        ...vm.config,
        digest: "5e1a0b6c8d0f2a4b6c8e0a2b4c6d8e0f2a4b6c8e",
        ...(vm.lock ? { lock: vm.lock } : {}),
      };
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/qemu/${VMID}/status/current$`),
    privilege: ({ vmid }) => `/vms/${vmid}, VM.Audit`,
    handle: ({ world, match }) => {
      const vm = vmOf(world, match);
      return {
        vmid: vm.vmid,
        name: vm.name,
        status: vm.status,
        qmpstatus: vm.status,
        uptime: vm.status === "running" ? 42 : 0,
        ...(vm.config["tags"] === undefined ? {} : { tags: vm.config["tags"] }),
        ...(vm.lock ? { lock: vm.lock } : {}),
      };
    },
  },
  {
    method: "POST",
    pattern: new RegExp(`^/nodes/${NODE}/qemu/${VMID}/status/start$`),
    privilege: ({ vmid }) => `/vms/${vmid}, VM.PowerMgmt`,
    handle: (context) => startVm(context),
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/tasks$`),
    privilege: ({ node }) => `/nodes/${node}, Sys.Audit`,
    handle: ({ world, match, params }) => {
      const node = nodeName(world, match);
      const limit = Number(params["limit"] ?? 50);
      return Object.values(world.proxmox.tasks)
        .filter((task) => task.node === node)
        .filter((task) => !params["vmid"] || task.id === params["vmid"])
        .filter((task) => params["errors"] !== "1" || (task.status === "stopped" && task.exitstatus !== "OK"))
        .reverse()
        .slice(0, limit)
        .map((task) => ({
          ...taskStatusOf(task),
          status: task.status === "stopped" ? task.exitstatus : undefined,
        }));
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/tasks/(?<upid>[^/]+)/status$`),
    privilege: ({ node }) => `/nodes/${node}, Sys.Audit`,
    handle: ({ world, match, now }) => {
      const task = taskOf(world, match);
      pollTask(world, task, now);
      return taskStatusOf(task);
    },
  },
  {
    method: "GET",
    pattern: new RegExp(`^/nodes/${NODE}/tasks/(?<upid>[^/]+)/log$`),
    privilege: ({ node }) => `/nodes/${node}, Sys.Audit`,
    handle: ({ world, match, params }) => {
      const start = Number(params["start"] ?? 0);
      const limit = Number(params["limit"] ?? 50);
      return taskOf(world, match)
        .log.map((t, index) => ({ n: index + 1, t }))
        .slice(start, start + limit);
    },
  },
  {
    method: "GET",
    pattern: /^\/cluster\/resources$/,
    privilege: () => "/, Sys.Audit",
    handle: ({ world }) =>
      Object.values(world.proxmox.vms).map((vm) => ({
        id: `qemu/${vm.vmid}`,
        type: "qemu",
        vmid: vm.vmid,
        node: vm.node,
        name: vm.name,
        status: vm.status,
        tags: vm.config["tags"],
      })),
  },
  {
    method: "GET",
    pattern: /^\/cluster\/nextid$/,
    privilege: () => "/vms, VM.Allocate",
    handle: ({ world }) => {
      let vmid = 100;
      while (world.proxmox.vms[String(vmid)]) {
        vmid++;
      }
      return String(vmid);
    },
  },
];

function versionOf(world: World) {
  const version = world.proxmox.pveVersion;
  return { version, release: version.split(".").slice(0, 2).join("."), repoid: "3e76eec21c4a14a7" };
}

function downloadUrl({ world, match, params, user, now }: RouteContext): string {
  const node = nodeName(world, match);
  const storageId = match["storage"] ?? "";
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

function createVm({ world, match, params, user, now }: RouteContext): string {
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
  if (world.proxmox.vms[String(vmid)]) {
    throw new LabHttpError(500, `unable to create VM ${vmid}: config file already exists`);
  }
  const disk = params["scsi0"];
  if (disk !== undefined) {
    const storageId = disk.split(":")[0] ?? "";
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

function startVm({ world, match, user, now }: RouteContext): string {
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

function taskStatusOf(task: LabTask) {
  const [userPart, tokenid] = task.user.split("!");
  return {
    upid: task.upid,
    node: task.node,
    pid: Number.parseInt(task.upid.split(":")[2] ?? "0", 16),
    pstart: Number.parseInt(task.upid.split(":")[3] ?? "0", 16),
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user: userPart,
    ...(tokenid === undefined ? {} : { tokenid }),
    status: task.status,
    ...(task.status === "stopped" ? { exitstatus: task.exitstatus, endtime: task.endtime } : {}),
  };
}

function missingParams(
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
function nodeName(world: World, match: Readonly<Record<string, string>>): string {
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

function pveNode(world: World, match: Readonly<Record<string, string>>) {
  const node = world.proxmox.nodes[nodeName(world, match)];
  if (!node) {
    throw new Error("nodeName checked it exists");
  }
  return node;
}

function storageOf(world: World, node: string, storageId: string) {
  const storage = world.proxmox.nodes[node]?.storages[storageId];
  if (!storage || world.faults.missingStorage.includes(storageId)) {
    throw new LabHttpError(500, `storage '${storageId}' does not exist`);
  }
  return storage;
}

function vmidOf(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 100 || Number(text) > 999_999_999) {
    throw parameterError({ vmid: "invalid format - value does not look like a valid VM ID" });
  }
  return Number(text);
}

function vmOf(world: World, match: Readonly<Record<string, string>>): LabVm {
  const node = nodeName(world, match);
  const vmid = vmidOf(match["vmid"] ?? "");
  const vm = world.proxmox.vms[String(vmid)];
  if (!vm || vm.node !== node) {
    throw new LabHttpError(500, `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  }
  return vm;
}

function taskOf(world: World, match: Readonly<Record<string, string>>): LabTask {
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

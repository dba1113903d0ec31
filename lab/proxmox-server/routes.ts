import type { LabTask, World } from "../world/index.ts";
import { createVm, downloadUrl, startVm } from "./actions.ts";
import type { LabToken } from "./index.ts";
import { nodeName, pveNode, storageOf, taskOf, vmOf } from "./lookups.ts";
import { effectivePermissions, hasAny } from "./permissions.ts";
import { pollTask } from "./tasks.ts";
import { VM_CONFIG_ROUTES } from "./vm-config.ts";

export interface RouteContext {
  readonly world: World;
  /** Path captures, by name. */
  readonly match: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  /** `user@realm!token` */
  readonly user: string;
  readonly token: LabToken;
  readonly now: Date;
}

export interface Route {
  readonly method: "GET" | "POST" | "PUT";
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
    pattern: /^\/access\/permissions$/,
    privilege: () => "",
    handle: ({ world, token, params }) => effectivePermissions(world, token, params),
  },
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
    // Any user may list; entries are filtered instead (pve-storage@9.1.7 Status.pm:72-76).
    privilege: () => "",
    // Storages the token holds neither Datastore.Audit nor Datastore.AllocateSpace on are left out,
    // silently (proxmox/pve-storage@9.1.7 src/PVE/API2/Storage/Status.pm:243-245).
    handle: ({ world, match, params, token }) =>
      Object.entries(pveNode(world, match).storages)
        .filter(([id]) => !world.faults.missingStorage.includes(id))
        .filter(([id]) =>
          hasAny(world, token, `/storage/${id}`, ["Datastore.Audit", "Datastore.AllocateSpace"]),
        )
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
    // Any user may list; bridges are filtered instead (pve-manager@14a22df3 PVE/API2/Network.pm:266).
    privilege: () => "",
    // `active: 1` only on running interfaces, absent otherwise (proxmox/pve-common@9.2.1
    // src/PVE/Network/Interfaces.pm:341-345); bridges the token holds neither SDN.Audit nor SDN.Use
    // on (/sdn/zones/localnetwork/<bridge>) are left out, silently (proxmox/pve-manager@14a22df3 (9.2.11)
    // PVE/API2/Network.pm:470-482).
    handle: ({ world, match, params, token }) =>
      Object.entries(pveNode(world, match).bridges)
        .filter(([iface]) =>
          hasAny(world, token, `/sdn/zones/localnetwork/${iface}`, ["SDN.Audit", "SDN.Use"]),
        )
        .map(([iface, bridge]) => ({
          iface,
          type: "bridge",
          ...(bridge.active ? { active: 1 } : {}),
          autostart: 1,
        }))
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
  ...VM_CONFIG_ROUTES,
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
        qmpstatus: vm.qmpstatus ?? vm.status,
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
      return (
        Object.values(world.proxmox.tasks)
          .filter((task) => task.node === node)
          .filter((task) => !params["vmid"] || task.id === params["vmid"])
          // Proxmox lists finished tasks by default ("archive"); running ones need source=active.
          .filter((task) => {
            const source = params["source"] ?? "archive";
            return source === "all" || (source === "active") === (task.status === "running");
          })
          .filter(
            (task) => params["errors"] !== "1" || (task.status === "stopped" && task.exitstatus !== "OK"),
          )
          .reverse()
          .slice(0, limit)
          .map((task) => ({
            ...taskStatusOf(task),
            status: task.status === "stopped" ? task.exitstatus : undefined,
          }))
      );
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
    // Any user may ask (`user => 'all'`, proxmox/pve-manager@14a22df3 PVE/API2/Cluster.pm:1018).
    privilege: () => "",
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

import { createHash } from "node:crypto";
import { parseProxmoxNic } from "../../src/homelab/proxmox/net.ts";
import type { LabVm, World } from "../world/index.ts";
import { LabHttpError, parameterError } from "./lab-http-error.ts";
import { vmOf } from "./lookups.ts";
import { requireAll } from "./permissions.ts";
import type { Route, RouteContext } from "./routes.ts";

/**
 * A VM's configuration: reading it (with or without pending changes) and changing its NICs the
 * way qemu-server does (proxmox/qemu-server@9.2.6; the lab takes only `netN` changes).
 *
 * - `GET …/config` answers the config WITH pending changes applied unless `current=1`
 *   (src/PVE/API2/Qemu.pm:1791-1806); `GET …/pending` lists `key`, `value` (current) and
 *   `pending` per option (Qemu.pm:1858-1918). `digest` is a SHA1 of the config (Qemu.pm:1828-1829).
 * - `PUT …/config` is the synchronous update (Qemu.pm:2716-2773, `update_vm`): a `digest` that no
 *   longer matches fails with "checksum mismatch (file change by other user?)" (Qemu.pm:2211-2212);
 *   `netN` needs VM.Config.Network on the VM (Qemu.pm:1024-1025) and SDN.Use on the new and the
 *   old bridge (Qemu.pm:2204, 2497-2503; QemuServer.pm:6417-6430 `check_bridge_access`). The value
 *   goes to pending first; a stopped VM takes it at once (`vmconfig_apply_pending`), a running
 *   one through hotplug (Qemu.pm:2566-2584).
 * - Hotplug of a NIC (QemuServer.pm:5108-5205 `vmconfig_update_net`): a new model or MAC (or queues,
 *   mtu) unplugs the device and plugs a new one, which needs the `network` hotplug feature, on by
 *   default (`hotplug` default `network,disk,usb`, QemuServer.pm:253-262, 4713-4714); without it the
 *   change stays pending until the VM restarts. A new bridge or VLAN tag re-plugs the tap and
 *   flaps the guest's link "to notify guest (dhcp renew for example)" (QemuServer.pm:5138-5187),
 *   with no hotplug feature needed.
 *
 * The guest follows: a Talos node in maintenance mode runs DHCP on its links, so a NIC with a new
 * MAC gets the address that MAC's reservation gives (or none known). A configured node keeps the
 * static address its machine config sets.
 */

export function pendingOf(vm: LabVm): Record<string, string> {
  const pending = vm["pending"];
  return pending !== null && typeof pending === "object" ? (pending as Record<string, string>) : {};
}

export function configDigest(vm: LabVm): string {
  return createHash("sha1")
    .update(JSON.stringify([vm.config, pendingOf(vm)]))
    .digest("hex");
}

function hotplugFeatures(vm: LabVm): Set<string> {
  const value = String(vm.config["hotplug"] ?? "1");
  if (value === "0") {
    return new Set();
  }
  return new Set((value === "1" ? "network,disk,usb" : value).split(","));
}

const NIC_KEY = /^net\d+$/;
const NIC_FORMAT =
  /^(virtio|e1000|e1000e|vmxnet3|rtl8139)=[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}(,bridge=[^,]+)?(,tag=\d+)?(,firewall=[01])?$/;

/** `PUT /nodes/{node}/qemu/{vmid}/config` for `netN` (and `digest`). */
export function updateVmConfig({ world, match, params, token }: RouteContext): null {
  const vm = vmOf(world, match);
  const changes = Object.entries(params).filter(([key]) => key !== "digest");
  const unknown = changes.filter(([key]) => !NIC_KEY.test(key)).map(([key]) => key);
  if (unknown.length > 0) {
    throw parameterError(
      Object.fromEntries(
        unknown.map((key) => [key, "the lab's Proxmox changes only netN on an existing VM"]),
      ),
    );
  }
  if (changes.length === 0) {
    throw new LabHttpError(500, "no options specified");
  }
  for (const [key, value] of changes) {
    if (!NIC_FORMAT.test(value)) {
      throw parameterError({ [key]: "invalid format - format error" });
    }
  }
  if (params["digest"] !== undefined && params["digest"] !== configDigest(vm)) {
    throw new LabHttpError(500, "checksum mismatch (file change by other user?)");
  }
  for (const [key, value] of changes) {
    for (const bridge of [parseProxmoxNic(value)?.options.get("bridge"), bridgeOf(vm.config[key])]) {
      if (bridge !== undefined) {
        requireAll(world, token, `/sdn/zones/localnetwork/${bridge}`, ["SDN.Use"]);
      }
    }
  }
  const pending = pendingOf(vm);
  for (const [key, value] of changes) {
    const old = vm.config[key];
    if (old === value) {
      delete pending[key];
      continue;
    }
    if (
      vm.status === "running" &&
      needsNicHotplug(String(old ?? ""), value) &&
      !hotplugFeatures(vm).has("network")
    ) {
      pending[key] = value;
      continue;
    }
    delete pending[key];
    vm.config[key] = value;
    if (vm.status === "running" && key === "net0") {
      guestSeesNic(world, vm.vmid, value);
    }
  }
  if (Object.keys(pending).length > 0) {
    vm["pending"] = pending;
  } else {
    delete vm["pending"];
  }
  return null;
}

/** A change hotplug must unplug and re-plug for (QemuServer.pm:5116-5122). */
function needsNicHotplug(oldValue: string, newValue: string): boolean {
  const before = parseProxmoxNic(oldValue);
  const after = parseProxmoxNic(newValue);
  return (
    before === undefined ||
    after === undefined ||
    before.model !== after.model ||
    before.mac !== after.mac ||
    before.options.get("queues") !== after.options.get("queues") ||
    before.options.get("mtu") !== after.options.get("mtu") ||
    !before.options.has("bridge") ||
    !after.options.has("bridge")
  );
}

function bridgeOf(value: string | number | undefined): string | undefined {
  return parseProxmoxNic(String(value ?? ""))?.options.get("bridge");
}

/** The Talos machine on this VM after its first NIC changed: maintenance mode asks DHCP again. */
function guestSeesNic(world: World, vmid: number, value: string): void {
  const machine = world.talos.machines[String(vmid)];
  const nic = parseProxmoxNic(value);
  if (!machine || !nic) {
    return;
  }
  machine.mac = nic.mac;
  if (machine.stage === "maintenance") {
    machine.ip = world.network.dhcpReservations[nic.mac] ?? null;
  }
}

export const VM_CONFIG_ROUTES: readonly Route[] = [
  {
    method: "GET",
    pattern: /^\/nodes\/(?<node>[^/]+)\/qemu\/(?<vmid>[^/]+)\/config$/,
    privilege: ({ vmid }) => `/vms/${vmid}, VM.Audit`,
    handle: ({ world, match, params }) => {
      const vm = vmOf(world, match);
      return {
        ...vm.config,
        ...(params["current"] === "1" ? {} : pendingOf(vm)),
        digest: configDigest(vm),
        ...(vm.lock ? { lock: vm.lock } : {}),
      };
    },
  },
  {
    method: "GET",
    pattern: /^\/nodes\/(?<node>[^/]+)\/qemu\/(?<vmid>[^/]+)\/pending$/,
    privilege: ({ vmid }) => `/vms/${vmid}, VM.Audit`,
    handle: ({ world, match }) => {
      const vm = vmOf(world, match);
      const pending = pendingOf(vm);
      const keys = [...new Set([...Object.keys(vm.config), ...Object.keys(pending)])].sort();
      return keys.map((key) => ({
        key,
        ...(vm.config[key] === undefined ? {} : { value: vm.config[key] }),
        ...(pending[key] === undefined ? {} : { pending: pending[key] }),
      }));
    },
  },
  {
    method: "PUT",
    pattern: /^\/nodes\/(?<node>[^/]+)\/qemu\/(?<vmid>[^/]+)\/config$/,
    privilege: ({ vmid }) => `/vms/${vmid}, VM.Config.Network`,
    handle: (context) => updateVmConfig(context),
  },
];

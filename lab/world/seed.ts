import { World } from "./schema.ts";

export interface LabWorldOptions {
  /** Proxmox node names; default ["pve"]. */
  readonly nodes?: readonly string[];
  /** Storage id → content types; default a stock LVM install: local (iso, …) and local-lvm (images). */
  readonly storages?: Readonly<Record<string, readonly string[]>>;
  readonly bridges?: readonly string[];
  /** MAC → IP, the DHCP reservations that give a maintenance-mode Talos node its address. */
  readonly dhcpReservations?: Readonly<Record<string, string>>;
  readonly taskPolls?: number;
}

const STOCK_STORAGES: Record<string, readonly string[]> = {
  local: ["iso", "vztmpl", "backup"],
  "local-lvm": ["images", "rootdir"],
};

/** A fresh world: a stock Proxmox install with no VMs. */
export function newLabWorld(options: LabWorldOptions = {}): World {
  const storages = options.storages ?? STOCK_STORAGES;
  const nodes = Object.fromEntries(
    (options.nodes ?? ["pve"]).map((name) => [
      name,
      {
        storages: Object.fromEntries(
          Object.entries(storages).map(([id, content]) => [
            id,
            { type: content.includes("images") ? "lvmthin" : "dir", content: [...content] },
          ]),
        ),
        bridges: Object.fromEntries(
          (options.bridges ?? ["vmbr0"]).map((bridge) => [bridge, { active: true }]),
        ),
      },
    ]),
  );
  return World.parse({
    version: 1,
    proxmox: { nodes, ...(options.taskPolls === undefined ? {} : { taskPolls: options.taskPolls }) },
    network: {
      dhcpReservations: Object.fromEntries(
        Object.entries(options.dhcpReservations ?? {}).map(([mac, ip]) => [mac.toLowerCase(), ip]),
      ),
    },
  });
}

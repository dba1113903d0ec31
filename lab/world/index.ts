/**
 * The sandbox lab's world state: ONE JSON file shared by the loopback Proxmox server and the fake
 * CLIs (talosctl, kubectl, flux), so that what one fake does the others see.
 *
 * - `newLabWorld(options)` → a stock Proxmox install (node pve, storages local + local-lvm, vmbr0).
 * - `writeWorld(file, world)`, `readWorld(file)`, `updateWorld(file, (world) => …)`: locked,
 *   atomic read-modify-write; synchronous so a fake CLI needs no event loop.
 * - `worldFileFromEnv()` reads env `LAB_WORLD`.
 * - Sections: `proxmox` (nodes, storages, bridges, vms, volumes, tasks), `network.dhcpReservations`
 *   (MAC → IP), `talos.machines` (keyed by vmid; the Proxmox server adds a `maintenance` machine
 *   when a VM booted from a Talos ISO starts; the talos fakes own every later stage),
 *   `kubernetes` (free for the kubectl/flux fakes), `faults` (see `LabFaults`).
 */
export {
  LabFaults,
  LabPveNode,
  LabStorage,
  LabTalosMachine,
  LabTask,
  LabTaskEffect,
  LabVm,
  LabVolume,
  World,
} from "./schema.ts";
export { type LabWorldOptions, newLabWorld } from "./seed.ts";
export { readWorld, updateWorld, worldFileFromEnv, writeWorld } from "./store.ts";

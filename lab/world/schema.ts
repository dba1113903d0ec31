import { z } from "zod";

/**
 * The sandbox lab's single world state, shared by the loopback Proxmox server and the fake
 * talosctl/kubectl/flux executables. It lives in one JSON file (path in env `LAB_WORLD`); every
 * change goes through `updateWorld`, which locks and rewrites it atomically. Objects are loose so
 * that a newer writer's fields survive an older reader.
 */

export const LabStorage = z.looseObject({
  type: z.string(),
  /** Content types, e.g. ["images", "rootdir"] or ["iso", "vztmpl", "backup"]. */
  content: z.array(z.string()),
});
export type LabStorage = z.output<typeof LabStorage>;

export const LabPveNode = z.looseObject({
  storages: z.record(z.string(), LabStorage),
  /** Bridges by name; `active: false` is a bridge written to the config but not applied yet. */
  bridges: z.record(z.string(), z.looseObject({ active: z.boolean() })),
});
export type LabPveNode = z.output<typeof LabPveNode>;

export const LabVm = z.looseObject({
  vmid: z.number(),
  node: z.string(),
  name: z.string(),
  /** Proxmox knows only these two (qemu-server@9.2.6 src/PVE/QemuServer.pm:2373-2377, 2558). */
  status: z.enum(["running", "stopped"]),
  /** QEMU's own state when it is not plain `running`, e.g. `paused` (QemuServer.pm:2441, 2772-2785). */
  qmpstatus: z.string().optional(),
  /** `create` while qmcreate runs; Proxmox shows it in config and status. */
  lock: z.string().optional(),
  /** As Proxmox prints it: `name`, `tags` (`a;b`), `net0`, `scsi0`, `ide2`, `cores`, `memory`, … */
  config: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type LabVm = z.output<typeof LabVm>;

export const LabVolume = z.looseObject({
  node: z.string(),
  storage: z.string(),
  content: z.string(),
  size: z.number(),
  /** Where download-url fetched it from (a Talos factory URL names the Talos version). */
  sourceUrl: z.string().optional(),
});
export type LabVolume = z.output<typeof LabVolume>;

/** What a task does to the world when it stops successfully. */
export const LabTaskEffect = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("create"), vmid: z.number() }),
  z.object({ kind: z.literal("start"), vmid: z.number() }),
  z.object({ kind: z.literal("download"), volid: z.string(), volume: LabVolume }),
]);
export type LabTaskEffect = z.output<typeof LabTaskEffect>;

export const LabTask = z.looseObject({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  id: z.string(),
  user: z.string(),
  starttime: z.number(),
  status: z.enum(["running", "stopped"]),
  exitstatus: z.string().optional(),
  endtime: z.number().optional(),
  log: z.array(z.string()),
  /** Status reads left before the task stops: deterministic "running → stopped" without clocks. */
  pollsLeft: z.number(),
  effect: LabTaskEffect,
  /** Decided when the task starts (a fault): the exitstatus and log lines it will end with. */
  failure: z.object({ exitstatus: z.string(), log: z.array(z.string()) }).optional(),
});
export type LabTask = z.output<typeof LabTask>;

/**
 * A machine the fake talosctl sees. The Proxmox server records one when a VM booted from a Talos
 * ISO starts: `stage: "maintenance"` at the IP its MAC's DHCP reservation gives (null: no lease
 * known). The talos helper owns every later stage (`installing`, `booting`, `running`, …) and
 * any other fields it needs.
 */
export const LabTalosMachine = z.looseObject({
  vmid: z.number(),
  name: z.string(),
  mac: z.string(),
  ip: z.string().nullable(),
  stage: z.string(),
  /** The Talos version of the ISO it booted (from the factory URL), or null. */
  isoTalosVersion: z.string().nullable(),
});
export type LabTalosMachine = z.output<typeof LabTalosMachine>;

/** Switches a test or the demo flips to make Proxmox misbehave the way real installs do. */
export const LabFaults = z.looseObject({
  /** Storages that vanish: listings omit them and using them answers 500 "storage 'x' does not exist". */
  missingStorage: z.array(z.string()).default([]),
  /** Bridges a node lists but QEMU cannot attach to: qmstart fails with "bridge 'x' does not exist". */
  bridgeMissingInTask: z.array(z.string()).default([]),
  /** vmids whose next qmcreate or qmstart task fails with the lock timeout, once each. */
  lockTimeoutOnce: z.array(z.number()).default([]),
  /** Proxmox nodes that are down: calls to them answer 595 "no route to host", as a cluster forwards them. */
  unreachableNodes: z.array(z.string()).default([]),
});
export type LabFaults = z.output<typeof LabFaults>;

export const World = z.looseObject({
  version: z.literal(1),
  proxmox: z.looseObject({
    pveVersion: z.string().default("8.3.2"),
    /** Status reads a new task answers `running` to before it stops; 0 stops it at once. */
    taskPolls: z.number().int().min(0).default(1),
    nextPid: z.number().default(0x1f3a),
    nodes: z.record(z.string(), LabPveNode),
    vms: z.record(z.string(), LabVm).default({}),
    volumes: z.record(z.string(), LabVolume).default({}),
    tasks: z.record(z.string(), LabTask).default({}),
    /**
     * Privilege-separated tokens' ACLs: token id → ACL path → privileges. A token listed here
     * sees and may do only what these grant (lab/proxmox-server/permissions.ts).
     */
    tokenAcl: z.record(z.string(), z.record(z.string(), z.array(z.string()))).default({}),
  }),
  network: z.looseObject({ dhcpReservations: z.record(z.string(), z.string()).default({}) }).default({
    dhcpReservations: {},
  }),
  /** Reserved for the Talos fakes; keyed by vmid. */
  talos: z
    .looseObject({ machines: z.record(z.string(), LabTalosMachine).default({}) })
    .default({ machines: {} }),
  /** Reserved for the kubectl/flux fakes. */
  kubernetes: z.looseObject({}).default({}),
  faults: LabFaults.default(LabFaults.parse({})),
});
export type World = z.output<typeof World>;

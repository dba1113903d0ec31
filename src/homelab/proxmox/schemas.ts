import { z } from "zod";

/** The `data` of Proxmox answers we read. Loose: Proxmox adds fields between releases. */

const Flag = z.union([z.number(), z.boolean()]).transform((value) => value === true || value === 1);

export const PveVersion = z.looseObject({
  version: z.string(),
  release: z.string().optional(),
  repoid: z.string().optional(),
});
export type PveVersion = z.output<typeof PveVersion>;

export const PveStorage = z.looseObject({
  storage: z.string(),
  type: z.string().optional(),
  /** Comma-separated content types, e.g. `images,rootdir` or `iso,vztmpl,backup`. */
  content: z.string().default(""),
  active: Flag.optional(),
  enabled: Flag.optional(),
});
export type PveStorage = z.output<typeof PveStorage>;

export const PveVolume = z.looseObject({
  volid: z.string(),
  content: z.string().optional(),
  format: z.string().optional(),
  size: z.number().optional(),
});
export type PveVolume = z.output<typeof PveVolume>;

/**
 * `GET /access/permissions`: path → privilege → propagate flag
 * (proxmox/pve-access-control@5ccd07d (9.1.1) src/PVE/API2/AccessControl.pm:539-542).
 */
export const PvePermissions = z.record(z.string(), z.record(z.string(), z.union([z.number(), z.boolean()])));
export type PvePermissions = z.output<typeof PvePermissions>;

/** `active` is 1 for a running interface and ABSENT otherwise (proxmox/pve-common@9.2.1 src/PVE/Network/Interfaces.pm:341-345). */
export const PveNetworkInterface = z.looseObject({
  iface: z.string(),
  type: z.string(),
  active: Flag.optional(),
});
export type PveNetworkInterface = z.output<typeof PveNetworkInterface>;

/** A VM's configuration: `name`, `tags` (`a;b`), `net0`, `scsi0`, … as Proxmox prints them. */
export const PveVmConfig = z.record(z.string(), z.union([z.string(), z.number()]));
export type PveVmConfig = z.output<typeof PveVmConfig>;

/**
 * One option of `GET /nodes/{node}/qemu/{vmid}/pending`: its current `value` and, when a change
 * waits for a restart, its `pending` value (proxmox/qemu-server@9.2.6 src/PVE/API2/Qemu.pm:1875-1904).
 */
export const PveVmPendingOption = z.looseObject({
  key: z.string(),
  value: z.union([z.string(), z.number()]).optional(),
  pending: z.union([z.string(), z.number()]).optional(),
  delete: z.number().optional(),
});
export type PveVmPendingOption = z.output<typeof PveVmPendingOption>;

/**
 * `status` is `stopped` or `running` only (proxmox/qemu-server@9.2.6 src/PVE/QemuServer.pm:2373-2377,
 * 2558); a paused or suspended VM is `running` with `qmpstatus` saying so (QemuServer.pm:2441, 2772-2785).
 */
export const PveVmStatus = z.looseObject({
  status: z.enum(["running", "stopped"]).or(z.string()),
  vmid: z.union([z.number(), z.string()]).transform(Number),
  name: z.string().optional(),
  tags: z.string().optional(),
  lock: z.string().optional(),
  qmpstatus: z.string().optional(),
});
export type PveVmStatus = z.output<typeof PveVmStatus>;

export const PveTaskStatus = z.looseObject({
  upid: z.string(),
  node: z.string(),
  type: z.string(),
  id: z.string().optional(),
  user: z.string().optional(),
  status: z.enum(["running", "stopped"]),
  exitstatus: z.string().optional(),
  starttime: z.number().optional(),
  endtime: z.number().optional(),
});
export type PveTaskStatus = z.output<typeof PveTaskStatus>;

export const PveTaskLogLine = z.looseObject({ n: z.number(), t: z.string() });
export type PveTaskLogLine = z.output<typeof PveTaskLogLine>;

export const PveTaskSummary = z.looseObject({
  upid: z.string(),
  type: z.string(),
  id: z.string().optional(),
  status: z.string().optional(),
  starttime: z.number().optional(),
  endtime: z.number().optional(),
});
export type PveTaskSummary = z.output<typeof PveTaskSummary>;

export const Upid = z.string().regex(/^UPID:/, "expected a task id (UPID:…)");

/** `{"data": …}`, the envelope of every answer. */
export function envelope<S extends z.ZodType>(schema: S) {
  return z.object({ data: schema });
}

import type { FakeTalosMachine, FakeView } from "./world-view.ts";

/** The block devices a fake Talos node sees, `talosctl get disks` as a table, and text helpers. */

export interface FakeDisk {
  readonly id: string;
  readonly path: string;
  readonly bytes: number;
  readonly readOnly: boolean;
  readonly transport: string;
  readonly model: string;
  readonly serial: string;
}

/**
 * The disks of the node's VM as Talos names them: the squashfs loop device, each SCSI/SATA/IDE
 * disk as /dev/sdX and each virtio-blk disk as /dev/vdX, the ISO as sr0. Models and serials are
 * what QEMU reports for Proxmox's defaults (a disk without `serial=` has none); sizes come from
 * `size=<n>G` in the VM config. The exact model strings are not in any Talos source (see
 * docs/conformance.md, unverifiable).
 */
export function disksOf(view: FakeView, machine: FakeTalosMachine): FakeDisk[] {
  const config = view.world.proxmox.vms[String(machine.vmid)]?.config ?? {};
  const disks: FakeDisk[] = [
    {
      id: "loop0",
      path: "/dev/loop0",
      bytes: 75 * 1e6,
      readOnly: true,
      transport: "",
      model: "",
      serial: "",
    },
  ];
  let sd = 0;
  let vd = 0;
  let cdrom = false;
  for (const [key, value] of Object.entries(config).sort()) {
    if (!/^(scsi|sata|ide|virtio)\d+$/.test(key)) {
      continue;
    }
    const text = String(value);
    if (text.includes("media=cdrom")) {
      cdrom = true;
      continue;
    }
    const gib = Number(/size=(\d+)G/.exec(text)?.[1] ?? /:(\d+)$/.exec(text)?.[1] ?? 32);
    const virtio = key.startsWith("virtio");
    const id = virtio ? `vd${String.fromCharCode(97 + vd++)}` : `sd${String.fromCharCode(97 + sd++)}`;
    disks.push({
      id,
      path: `/dev/${id}`,
      bytes: gib * 2 ** 30,
      readOnly: false,
      transport: virtio ? "virtio" : "scsi",
      model: virtio ? "" : "QEMU HARDDISK",
      serial: /serial=([^,]+)/.exec(text)?.[1] ?? "",
    });
  }
  if (cdrom) {
    disks.push({
      id: "sr0",
      path: "/dev/sr0",
      bytes: 105 * 1e6,
      readOnly: false,
      transport: "ata",
      model: "QEMU DVD-ROM",
      serial: "",
    });
  }
  return disks;
}

/** Sizes as go-humanize `Bytes` prints them (SI units, no decimals from 10 up): `69 GB`. */
function prettySize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ${units[unit]}`;
}

/**
 * `talosctl get disks`: the resource table (NODE NAMESPACE TYPE ID VERSION, then the Disk
 * resource's print columns upper-cased: SIZE, READ ONLY, TRANSPORT, ROTATIONAL, WWID, MODEL,
 * SERIAL), padded by a tabwriter with 3 spaces (siderolabs/talos@v1.12.4
 * cmd/talosctl/cmd/talos/output/table.go:35,42-76,122-126; pkg/machinery/resources/block/disk.go:79-107,
 * the same columns at @v1.10.0 and @v1.13.9). The type column shows the display type `Disk`.
 */
export function disksTable(node: string, disks: readonly FakeDisk[]): string {
  return tabwrite([
    [
      "NODE",
      "NAMESPACE",
      "TYPE",
      "ID",
      "VERSION",
      "SIZE",
      "READ ONLY",
      "TRANSPORT",
      "ROTATIONAL",
      "WWID",
      "MODEL",
      "SERIAL",
    ],
    ...disks.map((disk) => [
      node,
      "runtime",
      "Disk",
      disk.id,
      "1",
      prettySize(disk.bytes),
      String(disk.readOnly),
      disk.transport,
      disk.transport === "" ? "" : "true",
      "",
      disk.model,
      disk.serial,
    ]),
  ]);
}

/** Go's text/tabwriter with minwidth 0, padding 3, padchar ' ': every cell but the last padded. */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index < row.length - 1 ? cell.padEnd((widths[index] ?? 0) + 3) : cell))
        .join(""),
    )
    .join("\n")
    .concat("\n");
}

/**
 * A unified diff of two texts with three lines of context (`--- a`, `+++ b`, `@@ -l,n +l,n @@`),
 * the shape gotextdiff's ToUnified gives Talos's configdiff; "" when they are equal.
 */
export function unifiedDiff(before: string, after: string): string {
  const a = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const b = after === "" ? [] : after.replace(/\n$/, "").split("\n");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j] ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: { kind: " " | "-" | "+"; text: string; ai: number; bi: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i] ?? "", ai: i++, bi: j++ });
    } else if (i < a.length && (j >= b.length || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      ops.push({ kind: "-", text: a[i] ?? "", ai: i++, bi: j }); // deletions first, as gotextdiff
    } else {
      ops.push({ kind: "+", text: b[j] ?? "", ai: i, bi: j++ });
    }
  }
  const changed = ops.map((op, index) => (op.kind === " " ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) {
    return "";
  }
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const last = hunks.at(-1);
    const from = Math.max(0, index - 3);
    const to = Math.min(ops.length - 1, index + 3);
    if (last && from <= last[1] + 1) {
      last[1] = to;
    } else {
      hunks.push([from, to]);
    }
  }
  const lines = ["--- a", "+++ b"];
  for (const [from, to] of hunks) {
    const slice = ops.slice(from, to + 1);
    const first = slice[0];
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    lines.push(`@@ -${(first?.ai ?? 0) + 1},${oldCount} +${(first?.bi ?? 0) + 1},${newCount} @@`);
    lines.push(...slice.map((op) => `${op.kind}${op.text}`));
  }
  return lines.join("\n");
}

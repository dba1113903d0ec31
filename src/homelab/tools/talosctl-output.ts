/**
 * Parsers for what talosctl prints: service and etcd tables, version, the apply-config dry-run
 * report and the Disk resource table. Each cites where talosctl writes that text.
 */

export interface TalosService {
  readonly state: string;
  readonly health: string;
  readonly events: readonly string[];
}

export interface EtcdMember {
  readonly hostname: string;
  readonly peerIp: string;
  readonly learner: boolean;
}

/** One row of `talosctl get disks` (the Disk resource). */
export interface TalosDisk {
  /** `/dev/<id>` */
  readonly path: string;
  readonly size: string;
  readonly readOnly: boolean;
  readonly transport: string;
  readonly wwid: string;
  readonly model: string;
  readonly serial: string;
}

/** Block devices that are never an install target: loop, CD-ROM, RAM and mapper devices. */
const NOT_A_DISK = /^(?:loop|sr|ram|zram|nbd|dm-|md)\d*/;

/**
 * `talosctl service <id>`: `STATE    Running` / `HEALTH   OK` / `EVENTS   [..]: ..` lines. Events
 * are printed NEWEST FIRST (siderolabs/talos@v1.12.4 pkg/machinery/formatters/formatters.go:233-234
 * walks them from the end), so `events[0]` is the latest.
 */
export function parseServiceOutput(text: string): TalosService {
  const field = (name: string) => new RegExp(`^${name}\\s+(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const events = text
    .split("\n")
    .filter((line) => /^\s*(EVENTS\s+)?\[\w+\]:/.test(line))
    .map((line) => line.replace(/^\s*(EVENTS\s+)?/, "").trim());
  return { state: field("STATE"), health: field("HEALTH"), events };
}

/** `talosctl etcd members`: a table; the IP comes from the peer URL. */
export function parseEtcdMembers(text: string): EtcdMember[] {
  const rows = text.split("\n").filter((line) => line.trim() !== "");
  const header = rows.shift()?.split(/\s{2,}/) ?? [];
  const column = (name: string) => header.indexOf(name);
  return rows.map((row) => {
    const cells = row.trim().split(/\s{2,}/);
    const peer = cells[column("PEER URLS")] ?? "";
    return {
      hostname: cells[column("HOSTNAME")] ?? "",
      peerIp: /\/\/([^:/,]+)/.exec(peer)?.[1] ?? "",
      learner: (cells[column("LEARNER")] ?? "false") === "true",
    };
  });
}

/** `talosctl version`: the `Tag:` line after `Server:`. */
export function parseServerTag(text: string): string | undefined {
  const server = text.split(/^Server:\s*$/m)[1];
  return server === undefined ? undefined : /^\s*Tag:\s*(\S+)/m.exec(server)?.[1];
}

/**
 * `apply-config --dry-run` reports `Config diff:`, a blank line and `No changes.` when the node's
 * config is the same (siderolabs/talos@v1.12.4
 * internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:320-331). A report without
 * `Config diff:` is no answer at all and counts as changed, never as unchanged.
 */
export function dryRunHasChanges(text: string): boolean {
  return !/^Config diff:\s*\n\s*No changes\.?\s*$/m.test(text);
}

/** The config lines a dry-run diff would change (`+`/`-` lines, without the `---`/`+++` headers). */
export function dryRunChangedLines(text: string): string[] {
  return text.split("\n").filter((line) => /^[+-](?![+-]{2} [ab]$)/.test(line));
}

/**
 * Changed lines that touch the install disk or wipe. A unified diff line is the marker then the
 * YAML line with its indent (`+        disk: /dev/vda`; siderolabs/talos@v1.12.4
 * pkg/machinery/config/configdiff/configdiff.go:116-119), so the key follows the marker and spaces.
 */
export function dryRunRiskyLines(text: string): string[] {
  return dryRunChangedLines(text).filter((line) => /^[+-]\s*(disk|diskSelector|wipe):/.test(line));
}

/**
 * `talosctl get disks` as a table: NODE NAMESPACE TYPE ID VERSION SIZE "READ ONLY" TRANSPORT
 * ROTATIONAL WWID MODEL SERIAL (siderolabs/talos@v1.12.4 pkg/machinery/resources/block/disk.go:79-107;
 * cmd/talosctl/cmd/talos/output/table.go:42-76), columns found by their header offsets since
 * empty cells leave only spaces. Loop devices, CD-ROMs and read-only devices are left out: they
 * are never an install disk.
 */
export function parseDisksTable(table: string): TalosDisk[] {
  const lines = table.split("\n").filter((line) => line.trim() !== "");
  const header = lines.find((line) => /\bNAMESPACE\b.*\bTYPE\b.*\bID\b/.test(line));
  if (header === undefined) {
    return [];
  }
  const names = ["ID", "VERSION", "SIZE", "READ ONLY", "TRANSPORT", "ROTATIONAL", "WWID", "MODEL", "SERIAL"];
  const starts = names.map((name) => ({ name, at: header.search(new RegExp(`(?<=^|\\s)${name}(?=\\s|$)`)) }));
  const disks: TalosDisk[] = [];
  for (const line of lines.slice(lines.indexOf(header) + 1)) {
    const cell = (name: string) => {
      const index = starts.findIndex((start) => start.name === name);
      const from = starts[index]?.at ?? -1;
      if (from < 0) {
        return "";
      }
      const next = starts.slice(index + 1).find((start) => start.at > from)?.at;
      return line.slice(from, next).trim();
    };
    const id = cell("ID");
    if (!/\bDisk\b/.test(line.slice(0, starts[0]?.at)) || id === "" || NOT_A_DISK.test(id)) {
      continue;
    }
    const readOnly = cell("READ ONLY") === "true";
    if (readOnly) {
      continue;
    }
    disks.push({
      path: `/dev/${id}`,
      size: cell("SIZE"),
      readOnly,
      transport: cell("TRANSPORT"),
      wwid: cell("WWID"),
      model: cell("MODEL"),
      serial: cell("SERIAL"),
    });
  }
  return disks;
}

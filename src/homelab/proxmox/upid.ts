/**
 * A Proxmox task id: `UPID:<node>:<pid hex8>:<pstart hex8>:<starttime hex8>:<type>:<id>:<user[!token]>:`
 * (proxmoxer `decode_upid`). The node is in the UPID, so a task can be polled from its id alone.
 */
export interface Upid {
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  /** Seconds since the epoch. */
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

const UPID_PATTERN = /^UPID:([^:]+):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:]+):([^:]*):([^:]+):$/i;

export function parseUpid(text: string): Upid | undefined {
  const match = UPID_PATTERN.exec(text);
  if (!match) {
    return undefined;
  }
  const [, node = "", pid = "", pstart = "", starttime = "", type = "", id = "", user = ""] = match;
  return {
    node,
    pid: Number.parseInt(pid, 16),
    pstart: Number.parseInt(pstart, 16),
    starttime: Number.parseInt(starttime, 16),
    type,
    id,
    user,
  };
}

export function formatUpid(upid: Upid): string {
  const hex = (value: number) => value.toString(16).toUpperCase().padStart(8, "0");
  return `UPID:${upid.node}:${hex(upid.pid)}:${hex(upid.pstart)}:${hex(upid.starttime)}:${upid.type}:${upid.id}:${upid.user}:`;
}

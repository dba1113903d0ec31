/**
 * What Proxmox answered when a call failed. Proxmox puts the error text in the HTTP reason phrase
 * (`HTTP/1.1 500 storage 'local-lvm' does not exist`) with body `{"data":null}`; a 400 adds an
 * `errors` map of parameter → problem. `status` 0 means no answer at all (connection or TLS).
 */
export class ProxmoxError extends Error {
  override name = "ProxmoxError";
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly reason: string;
  readonly errors: Readonly<Record<string, string>>;

  constructor(
    method: string,
    path: string,
    status: number,
    reason: string,
    errors: Record<string, string> = {},
  ) {
    super(describe(method, path, status, reason, errors));
    this.method = method;
    this.path = path;
    this.status = status;
    this.reason = reason;
    this.errors = errors;
  }
}

/** A task that ended with an exitstatus other than OK or `WARNINGS: n`, or that never ended. */
export class ProxmoxTaskError extends Error {
  override name = "ProxmoxTaskError";
  readonly upid: string;
  /** Undefined when the wait timed out. */
  readonly exitstatus: string | undefined;
  /** The last lines of the task log, oldest first: what a person (or a fingerprint) needs to see. */
  readonly logTail: readonly string[];

  constructor(upid: string, summary: string, exitstatus: string | undefined, logTail: readonly string[]) {
    super(summary);
    this.upid = upid;
    this.exitstatus = exitstatus;
    this.logTail = logTail;
  }
}

function describe(
  method: string,
  path: string,
  status: number,
  reason: string,
  errors: Record<string, string>,
): string {
  const where = `proxmox: ${method} ${path}`;
  if (status === 0) {
    return `${where}: no answer: ${reason}`;
  }
  const fields = Object.entries(errors)
    .map(([field, problem]) => `${field}: ${problem.trim()}`)
    .join("; ");
  const said = `${status} ${reason}${fields ? ` (${fields})` : ""}`;
  if (status === 401) {
    return `${where}: ${said}: the API token was refused; check proxmox.tokenId and the token secret`;
  }
  if (status === 403) {
    return `${where}: ${said}: ${permissionAdvice(method, path, reason)}`;
  }
  return `${where}: ${said}`;
}

/**
 * What a 403 needs, by call. Proxmox names the failing path and privilege in the reason
 * (`Permission check failed (/storage/local, Datastore.AllocateTemplate)`), but a call may need
 * several: creating a VM also needs Datastore.AllocateSpace on its disk's storage and SDN.Use on its
 * bridge (proxmox/qemu-server@9.2.6 src/PVE/API2/Qemu.pm:1164-1168); download-url needs
 * Datastore.AllocateTemplate on the storage and Sys.AccessNetwork on the node or Sys.Audit with
 * Sys.Modify on / (proxmox/pve-storage@9.1.7 src/PVE/API2/Storage/Status.pm:743-757).
 */
function permissionAdvice(method: string, path: string, reason: string): string {
  const named = /\((\/[^,)]*), ([\w.]+)\)/.exec(reason);
  const first = named
    ? `grant the token ${named[2]} on ${named[1]} (pveum acl modify ${named[1]} --tokens <tokenId> --roles <a role with ${named[2]}>)`
    : "grant the token a role on that path (pveum acl modify <path> --tokens <tokenId> --roles <role>)";
  if (method === "POST" && /\/storage\/[^/]+\/download-url$/.test(path)) {
    return `${first}; download-url needs Datastore.AllocateTemplate on the storage and Sys.AccessNetwork on the node (or Sys.Audit and Sys.Modify on /)`;
  }
  if (method === "POST" && /^\/nodes\/[^/]+\/qemu$/.test(path)) {
    return `${first}; creating a VM needs VM.Allocate on /vms/<vmid>, Datastore.AllocateSpace on its disk's storage and SDN.Use on its bridge (roles PVEVMAdmin, PVEDatastoreUser, PVESDNUser)`;
  }
  return first;
}

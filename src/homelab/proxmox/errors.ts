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
    return `${where}: ${said}: grant the token a role on that path (pveum acl modify <path> --tokens <tokenId> --roles PVEVMAdmin) or create it without privilege separation`;
  }
  return `${where}: ${said}`;
}

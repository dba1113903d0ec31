import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { checkProxmoxReadPath } from "../../core/diagnostics-policy/index.ts";
import { UserError } from "../../errors/index.ts";
import { ProxmoxError, ProxmoxTaskError } from "./errors.ts";
import {
  envelope,
  PveNetworkInterface,
  PvePermissions,
  PveStorage,
  PveTaskLogLine,
  PveTaskStatus,
  PveTaskSummary,
  PveVersion,
  PveVmConfig,
  PveVmPendingOption,
  PveVmStatus,
  PveVolume,
  Upid,
} from "./schemas.ts";
import { type ProxmoxConnection, type ProxmoxParams, proxmoxRequest } from "./transport.ts";
import { parseUpid } from "./upid.ts";

/** Parameters for `POST /nodes/{node}/qemu`, in Proxmox's own names (`net0`, `scsi0`, `ide2`, …). */
export interface CreateVmParams extends ProxmoxParams {
  readonly vmid: number;
  readonly name: string;
}

export interface DownloadUrlParams {
  readonly url: string;
  readonly filename: string;
  readonly content: "iso" | "vztmpl" | "import";
  readonly checksum?: string;
  readonly checksumAlgorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
}

export interface WaitOptions {
  /** Between status polls; default 1000 ms. */
  readonly pollMs?: number;
  /** Default 10 minutes. */
  readonly timeoutMs?: number;
}

/** Task exit statuses that mean success. */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || /^WARNINGS: \d+$/.test(exitstatus ?? "");
}

/**
 * A typed Proxmox VE API client. It can read, create, download, start and re-point a VM's NIC, and
 * nothing else: there are deliberately no delete, stop, reset or resize methods, because the tool
 * must never destroy.
 */
export class ProxmoxClient {
  readonly #connection: ProxmoxConnection;

  constructor(connection: ProxmoxConnection) {
    this.#connection = connection;
  }

  /**
   * One GET of a read-only path (`/nodes/pve/tasks?vmid=121&errors=1`), for diagnostics: the path
   * must fit the allowlist in core/diagnostics-policy (a UserError says why not); the answer's
   * `data` is returned as Proxmox sent it.
   */
  get(path: string): Promise<unknown> {
    const read = checkProxmoxReadPath(path);
    if (!read.ok) {
      throw new UserError(`proxmox: GET ${path} refused: ${read.reason}`);
    }
    return this.#get(`/${read.segments.map(seg).join("/")}`, z.unknown(), read.query);
  }

  version(): Promise<PveVersion> {
    return this.#get("/version", PveVersion);
  }

  /**
   * The privileges this token holds on one ACL path (`/storage/local-lvm`,
   * `/sdn/zones/localnetwork/vmbr0`). Any token may ask about itself (pve-access-control
   * AccessControl.pm:514-520, `user => 'all'`).
   */
  async privileges(path: string): Promise<Set<string>> {
    const answer = await this.#get("/access/permissions", PvePermissions, { path });
    return new Set(
      Object.entries(answer[path] ?? {})
        .filter(([, granted]) => granted !== false)
        .map(([privilege]) => privilege),
    );
  }

  nodeStorage(node: string, options: { content?: string } = {}): Promise<PveStorage[]> {
    return this.#get(`/nodes/${seg(node)}/storage`, PveStorage.array(), { content: options.content });
  }

  storageContent(node: string, storage: string, options: { content?: string } = {}): Promise<PveVolume[]> {
    return this.#get(`/nodes/${seg(node)}/storage/${seg(storage)}/content`, PveVolume.array(), {
      content: options.content,
    });
  }

  nodeNetwork(node: string, options: { type?: string } = {}): Promise<PveNetworkInterface[]> {
    return this.#get(`/nodes/${seg(node)}/network`, PveNetworkInterface.array(), { type: options.type });
  }

  /** Starts a download into a storage; returns the task's UPID. */
  downloadUrl(node: string, storage: string, params: DownloadUrlParams): Promise<string> {
    return this.#post(`/nodes/${seg(node)}/storage/${seg(storage)}/download-url`, {
      url: params.url,
      filename: params.filename,
      content: params.content,
      checksum: params.checksum,
      "checksum-algorithm": params.checksumAlgorithm,
    });
  }

  /** The VM's configuration, or undefined when no VM has this vmid on this node. */
  async vmConfig(node: string, vmid: number): Promise<PveVmConfig | undefined> {
    try {
      return await this.#get(`/nodes/${seg(node)}/qemu/${vmid}/config`, PveVmConfig);
    } catch (error) {
      if (
        error instanceof ProxmoxError &&
        error.status === 500 &&
        /^Configuration file .* does not exist/.test(error.reason)
      ) {
        return undefined;
      }
      throw error;
    }
  }

  /** Each option's current and pending value (GET /nodes/{node}/qemu/{vmid}/pending). */
  vmPending(node: string, vmid: number): Promise<PveVmPendingOption[]> {
    return this.#get(`/nodes/${seg(node)}/qemu/${vmid}/pending`, PveVmPendingOption.array());
  }

  /**
   * Sets one NIC (`net0` = `virtio=BC:24:…,bridge=vmbr0`) with the synchronous `PUT …/config`,
   * guarded by the `digest` of the config it was computed from (proxmox/qemu-server@9.2.6
   * src/PVE/API2/Qemu.pm:2716-2773, 2211-2212). On a running VM Proxmox hot-plugs it or, when it
   * cannot, keeps it pending until a restart: `vmPending` tells which.
   */
  async setVmNic(
    node: string,
    vmid: number,
    change: { key: `net${number}`; value: string; digest?: string },
  ): Promise<void> {
    const path = `/nodes/${seg(node)}/qemu/${vmid}/config`;
    const response = await proxmoxRequest(this.#connection, "PUT", path, {
      [change.key]: change.value,
      digest: change.digest,
    });
    this.#data("PUT", path, response.body, z.null());
  }

  /**
   * The lowest vmid no VM or container uses (`GET /cluster/nextid`): any user may ask, and the
   * answer is the first free id from the datacenter's `next-id` lower bound, 100 by default
   * (proxmox/pve-manager@14a22df3 PVE/API2/Cluster.pm:1012-1053). The JSON API sends it as a
   * number or a numeric string, so both are read.
   */
  async nextVmid(): Promise<number> {
    return Number(await this.#get("/cluster/nextid", z.union([z.number(), z.string().regex(/^\d+$/)])));
  }

  /** Creates a VM; returns the task's UPID. */
  createVm(node: string, params: CreateVmParams): Promise<string> {
    return this.#post(`/nodes/${seg(node)}/qemu`, params);
  }

  vmStatus(node: string, vmid: number): Promise<PveVmStatus> {
    return this.#get(`/nodes/${seg(node)}/qemu/${vmid}/status/current`, PveVmStatus);
  }

  /** Starts a VM; returns the task's UPID. */
  startVm(node: string, vmid: number): Promise<string> {
    return this.#post(`/nodes/${seg(node)}/qemu/${vmid}/status/start`, {});
  }

  /** Recent tasks on a node, e.g. the failed ones of one VM (a read-only diagnostic). */
  nodeTasks(
    node: string,
    filter: { vmid?: number; errors?: boolean; limit?: number; source?: "archive" | "active" | "all" } = {},
  ): Promise<PveTaskSummary[]> {
    return this.#get(`/nodes/${seg(node)}/tasks`, PveTaskSummary.array(), filter);
  }

  taskStatus(upid: string): Promise<PveTaskStatus> {
    return this.#get(`/nodes/${seg(nodeOf(upid))}/tasks/${seg(upid)}/status`, PveTaskStatus);
  }

  taskLog(upid: string, options: { start?: number; limit?: number } = {}): Promise<PveTaskLogLine[]> {
    return this.#get(`/nodes/${seg(nodeOf(upid))}/tasks/${seg(upid)}/log`, PveTaskLogLine.array(), options);
  }

  /**
   * Polls a task until it has stopped. Returns its status when it succeeded (`OK` or
   * `WARNINGS: n`); otherwise throws a `ProxmoxTaskError` carrying the exitstatus and the
   * task log's last lines. A 400 right after creation is retried: Proxmox may not know the task yet.
   */
  async waitForTask(upid: string, options: WaitOptions = {}): Promise<PveTaskStatus> {
    const pollMs = options.pollMs ?? 1000;
    const timeoutMs = options.timeoutMs ?? 10 * 60_000;
    const started = Date.now();
    let unknownAnswers = 0;
    for (;;) {
      let status: PveTaskStatus | undefined;
      try {
        status = await this.taskStatus(upid);
      } catch (error) {
        if (!(error instanceof ProxmoxError && error.status === 400 && ++unknownAnswers <= 5)) {
          throw error;
        }
      }
      if (status?.status === "stopped") {
        if (isTaskSuccess(status.exitstatus)) {
          return status;
        }
        const tail = await this.#logTail(upid);
        throw new ProxmoxTaskError(
          upid,
          `${taskName(upid)} failed: ${status.exitstatus ?? "no exit status"}`,
          status.exitstatus,
          tail,
        );
      }
      if (Date.now() - started > timeoutMs) {
        const tail = await this.#logTail(upid);
        throw new ProxmoxTaskError(
          upid,
          `${taskName(upid)} still running after ${Math.round(timeoutMs / 1000)} s`,
          undefined,
          tail,
        );
      }
      await sleep(pollMs);
    }
  }

  async #logTail(upid: string): Promise<string[]> {
    const lines = await this.taskLog(upid, { start: 0, limit: 500 });
    return lines.slice(-20).map((line) => line.t);
  }

  async #get<S extends z.ZodType>(path: string, schema: S, params: ProxmoxParams = {}): Promise<z.output<S>> {
    const response = await proxmoxRequest(this.#connection, "GET", path, params);
    return this.#data("GET", path, response.body, schema);
  }

  async #post(path: string, params: ProxmoxParams): Promise<string> {
    const response = await proxmoxRequest(this.#connection, "POST", path, params);
    return this.#data("POST", path, response.body, Upid);
  }

  #data<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): z.output<S> {
    const parsed = envelope(schema).safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join(".")}: ${issue.message}` : "invalid";
      throw new ProxmoxError(method, path, 200, `unexpected answer (${where})`);
    }
    return (parsed.data as { data: z.output<S> }).data;
  }
}

/** `proxmox: task qmstart of 121 on pve` */
function taskName(upid: string): string {
  const parsed = parseUpid(upid);
  return parsed
    ? `proxmox: task ${parsed.type}${parsed.id ? ` of ${parsed.id}` : ""} on ${parsed.node}`
    : `proxmox: task ${upid}`;
}

function nodeOf(upid: string): string {
  const parsed = parseUpid(upid);
  if (!parsed) {
    throw new Error(`not a Proxmox task id: ${upid}`);
  }
  return parsed.node;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

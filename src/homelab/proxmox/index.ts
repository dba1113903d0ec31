/**
 * The Proxmox VE API client (adapter): `api2/json` over node:http(s), token auth, TLS with a
 * pinned CA or fingerprint or an explicit insecure switch, errors from the reason phrase.
 *
 * - `new ProxmoxClient(connection)`: get (one allowlisted read-only path, for diagnostics),
 *   version, nodeStorage, storageContent, nodeNetwork, downloadUrl, vmConfig (undefined when missing), createVm, vmStatus, startVm, nodeTasks,
 *   taskStatus, taskLog, waitForTask. No delete/stop/reset/resize methods exist, on purpose.
 * - `ProxmoxError` (an API call failed: status, reason, errors map) and `ProxmoxTaskError`
 *   (a task ended badly: exitstatus and the task log's last lines).
 * - `connectionFromCluster(cluster, env, readFile)` builds the connection from the cluster file.
 * - `parseUpid` / `formatUpid` for task ids (the lab server makes them too).
 */
export {
  type CreateVmParams,
  type DownloadUrlParams,
  isTaskSuccess,
  ProxmoxClient,
  type WaitOptions,
} from "./client.ts";
export { connectionFromCluster } from "./connection.ts";
export { ProxmoxError, ProxmoxTaskError } from "./errors.ts";
export { type ProxmoxNic, parseProxmoxNic } from "./net.ts";
export {
  PveNetworkInterface,
  PveStorage,
  PveTaskLogLine,
  PveTaskStatus,
  PveTaskSummary,
  PveVersion,
  PveVmConfig,
  PveVmPendingOption,
  PveVmStatus,
  PveVolume,
} from "./schemas.ts";
export {
  apiBaseUrl,
  encodeParams,
  normaliseFingerprint,
  type ProxmoxConnection,
  type ProxmoxParams,
  type ProxmoxTls,
  proxmoxRequest,
} from "./transport.ts";
export { formatUpid, parseUpid, type Upid } from "./upid.ts";

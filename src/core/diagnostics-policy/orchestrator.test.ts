import { describe, expect, it } from "vitest";
import { checkDiagnostic, checkProxmoxReadPath } from "./index.ts";

const VMS_STAGE = ["orchestrator proxmox get"];
const UPID = "UPID:pve:00001F3B:0001B2C4:67A0C0DE:qmstart:121:automation@pve!orchestrator:";

function reasonOf(command: string, prefixes: string[] = VMS_STAGE): string {
  const result = checkDiagnostic(command, prefixes);
  return result.verdict === "refused" ? result.reason : "(allowed)";
}

describe("orchestrator proxmox get as a diagnostic", () => {
  it.each([
    "orchestrator proxmox get /version",
    "orchestrator proxmox get /nodes/pve/qemu/121/status/current",
    "orchestrator proxmox get /nodes/pve/qemu/121/config",
    "orchestrator proxmox get '/nodes/pve/tasks?vmid=121&errors=1&limit=20'",
    `orchestrator proxmox get '/nodes/pve/tasks/${UPID}/log'`,
    "orchestrator proxmox get /nodes/pve/storage",
    "orchestrator proxmox get '/nodes/pve/storage/local/content?content=iso'",
    "orchestrator proxmox get /nodes/pve/network",
    "orchestrator proxmox get '/cluster/resources?type=vm'",
    "orchestrator proxmox get /nodes/pve2/qemu/131/config --cluster config/clusters/prox-n100.yaml",
    "orchestrator proxmox get --cluster=config/clusters/lab.yaml /version",
  ])("allows %s", (command) => {
    expect(reasonOf(command)).toBe("(allowed)");
  });

  it("returns the path as one argument, quotes removed", () => {
    expect(checkDiagnostic("orchestrator proxmox get '/cluster/resources?type=vm'", VMS_STAGE)).toEqual({
      verdict: "allowed",
      argv: ["orchestrator", "proxmox", "get", "/cluster/resources?type=vm"],
    });
  });

  it.each([
    [
      "orchestrator proxmox get /nodes/pve/qemu/121/status/stop",
      "is not on the list of read-only Proxmox API paths",
    ],
    [
      "orchestrator proxmox get /nodes/pve/qemu/121/status/start",
      "is not on the list of read-only Proxmox API paths",
    ],
    [
      "orchestrator proxmox get /access/users",
      "/access/users is not on the list of read-only Proxmox API paths",
    ],
    ["orchestrator proxmox get /access/users/root@pam/token", "is not on the list"],
    ["orchestrator proxmox get /nodes/pve/qemu/121/vncproxy", "is not on the list"],
    ["orchestrator proxmox get /nodes/pve/execute", "is not on the list"],
    [
      "orchestrator proxmox get /nodes/pve/qemu/121/../../../access/users",
      "may not contain . or .. segments",
    ],
    ["orchestrator proxmox get /nodes/pve/./qemu/121/config", "may not contain . or .. segments"],
    ["orchestrator proxmox get /nodes/pve/qemu/121/%2e%2e/status/stop", "may not contain percent-encoding"],
    ["orchestrator proxmox get /nodes/pve/qemu/121%2Fstatus%2Fstop", "may not contain percent-encoding"],
    ["orchestrator proxmox get //version", "empty segments"],
    ["orchestrator proxmox get /version/", "empty segments"],
    ["orchestrator proxmox get version", 'starts with "/"'],
    ["orchestrator proxmox get https://pve.lan:8006/api2/json/version", 'starts with "/"'],
    ["orchestrator proxmox get /api2/json/version", "write the path below /api2/json: /version"],
    ["orchestrator proxmox get '/version?x=1'", '/version takes no query parameters, not "x"'],
    [
      "orchestrator proxmox get '/nodes/pve/tasks?vmid=121&vmid=122'",
      "the query parameter vmid is given twice",
    ],
    ["orchestrator proxmox get '/nodes/pve/tasks?limit=20&method=POST'", 'not "method"'],
    ["orchestrator proxmox get '/nodes/pve/tasks?vmid=121;stop'", "vmid=121;stop is not a valid value"],
    ["orchestrator proxmox get '/nodes/pve/tasks?vmid=121#x'", "fragment"],
    ["orchestrator proxmox get '/nodes/pve/qemu/121/config?current=1&digest=x'", 'not "digest"'],
    ["orchestrator proxmox get '/nodes/pve qemu/121/config'", "only visible ASCII"],
    ["orchestrator proxmox get /nodes/192.168.1.5/qemu/121/config", "{node} is malformed"],
    ["orchestrator proxmox get /nodes/pve/qemu/abc/config", "{vmid} is malformed"],
    ["orchestrator proxmox get /nodes/pve/tasks/not-a-upid/log", "{upid} is malformed"],
    ["orchestrator proxmox get /version /nodes", "reads one API path, not 2"],
    [
      "orchestrator proxmox get /version --cluster /etc/passwd",
      "--cluster must name a cluster file in config/clusters/",
    ],
    ["orchestrator proxmox get /version --cluster config/clusters/../../secrets.yaml", "--cluster must name"],
    ["orchestrator proxmox get /version --insecure", "takes only --cluster, not --insecure"],
    ["orchestrator proxmox post /nodes/pve/qemu", "orchestrator proxmox post is not a diagnostic"],
    [
      "orchestrator step vms",
      "orchestrator step is not a diagnostic: the only one is orchestrator proxmox get",
    ],
    ["orchestrator verify vms", "orchestrator verify is not a diagnostic"],
    ["orchestrator vms --reset", "orchestrator vms is not a diagnostic"],
    ["orchestrator revert 3", "orchestrator revert is not a diagnostic"],
    ["orchestrator", "orchestrator without a command is not a diagnostic"],
  ])("refuses %s", (command, reason) => {
    expect(reasonOf(command)).toContain(reason);
  });

  it("refuses it in a stage that does not list it", () => {
    expect(reasonOf("orchestrator proxmox get /version", ["talosctl get"])).toBe(
      `"orchestrator proxmox" does not match this stage's diagnostics: talosctl get`,
    );
  });

  it("refuses a query that is not quoted, as the shell would have split it", () => {
    expect(reasonOf("orchestrator proxmox get /nodes/pve/tasks?vmid=121")).toContain("glob patterns (?)");
  });
});

describe("checkProxmoxReadPath", () => {
  it("splits the path into unencoded segments and the query", () => {
    expect(checkProxmoxReadPath(`/nodes/pve/tasks/${UPID}/log?start=0&limit=50`)).toEqual({
      ok: true,
      segments: ["nodes", "pve", "tasks", UPID, "log"],
      query: { start: "0", limit: "50" },
    });
  });
});

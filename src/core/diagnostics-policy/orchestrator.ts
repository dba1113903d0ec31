import { checkProxmoxReadPath } from "./proxmox-read-paths.ts";
import type { ToolPolicy } from "./tool-policy.ts";

const ONLY = "orchestrator proxmox get <api-path> [--cluster config/clusters/<name>.yaml]";

/** Cluster files live in config/clusters/; any other file could be a secret read into an error line. */
const CLUSTER_FILE = /^config\/clusters\/[a-zA-Z0-9_.-]+\.ya?ml$/;

/**
 * The tool itself as a diagnostic: only `orchestrator proxmox get <path>`, one GET of a
 * read-only Proxmox API path (proxmox-read-paths.ts). Every other subcommand runs stages,
 * changes state or talks to a model, so it is refused.
 */
export const ORCHESTRATOR: ToolPolicy = {
  allows: "proxmox get",
  valueFlags: new Set(["--cluster"]),
  check(args) {
    const [group, verb, path, ...extra] = args.positionals;
    if (group !== "proxmox" || verb !== "get") {
      const what = [group, group === "proxmox" ? verb : undefined].filter(Boolean).join(" ");
      return `orchestrator ${what || "without a command"} is not a diagnostic: the only one is ${ONLY}`;
    }
    if (extra.length > 0) {
      return `orchestrator proxmox get reads one API path, not ${args.positionals.length - 2}: send one diagnostic per path`;
    }
    for (const option of args.options) {
      if (option.flag !== "--cluster") {
        return `orchestrator proxmox get takes only --cluster, not ${option.flag}`;
      }
      if (option.value === undefined || !CLUSTER_FILE.test(option.value)) {
        return `--cluster must name a cluster file in config/clusters/ (e.g. config/clusters/prox-n100.yaml), not "${option.value ?? ""}"`;
      }
    }
    // Without a path the command only prints its usage, which is harmless (and the prefix itself).
    if (path === undefined) {
      return undefined;
    }
    const read = checkProxmoxReadPath(path);
    return read.ok ? undefined : read.reason;
  },
};

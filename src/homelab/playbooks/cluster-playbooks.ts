import { clusterDocument, setScalar, valueAt } from "./cluster-yaml.ts";
import { definePlaybook, firstMatch, type PlaybookChange } from "./types.ts";

/**
 * Playbooks for names and numbers in the cluster file that Proxmox does not know, found by the
 * qualification's fault library (src/qualify) to be common and to have one right answer the
 * live facts give.
 */

/** The vms preflight (stages/vms-preflight.ts): `proxmox: storage "x" on node pve does not hold iso (content: …); set proxmox.isoStorage to one that does (local)`. */
const LACKS_CONTENT =
  /storage "([^"]+)" on node (\S+) does not hold (\w+) \(content: [^)]*\); set proxmox\.(storage|isoStorage) to one that does/;

export const storageLacksContentPlaybook = definePlaybook<
  { name: string; node: string; content: string; key: string },
  { fitting: string[] }
>({
  id: "proxmox-storage-lacks-content",
  description:
    "proxmox.storage or isoStorage names a storage that does not hold that content: use the node's storage that does",
  matches(evidence) {
    const found = firstMatch(evidence, LACKS_CONTENT);
    return found
      ? { name: found[1] ?? "", node: found[2] ?? "", content: found[3] ?? "", key: found[4] ?? "" }
      : undefined;
  },
  async gatherFacts(ctx, match) {
    const storages = await ctx.facts.storages(ctx.clusterText, match.node);
    return {
      fitting: storages
        .filter((storage) => storage.active !== false && storage.enabled !== false)
        .filter((storage) => storage.content.split(",").includes(match.content))
        .map((storage) => storage.storage),
    };
  },
  change(clusterText, { fitting }, match): PlaybookChange {
    if (valueAt(clusterDocument(clusterText), ["proxmox", match.key]) !== match.name) {
      return { kind: "no_change", reason: `proxmox.${match.key} is no longer ${match.name}` };
    }
    const [chosen, ...others] = fitting;
    if (chosen === undefined || others.length > 0) {
      return {
        kind: "no_change",
        reason: `node ${match.node} has ${chosen === undefined ? "no storage" : `several storages (${fitting.join(", ")})`} holding ${match.content}; a human must choose`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["proxmox", match.key], chosen),
      summary: `proxmox.${match.key}: ${match.name} does not hold ${match.content} on node ${match.node}; use ${chosen}, its only storage that does`,
    };
  },
});

/** The cluster file's rule: `nodes.1.vmid: vmid 121 is already used by node cp-1`. */
const DUPLICATE_VMID = /\bnodes\.(\d+)\.vmid: vmid (\d+) is already used by node (\S+)/;

/** The vmid the other nodes' pattern (base + the IP's last octet) gives node `index`, or why none. */
function patternVmid(clusterText: string, index: number): { vmid: number } | { why: string } {
  const js = clusterDocument(clusterText).toJS() as { nodes?: { ip?: string; vmid?: number }[] };
  const nodes = js.nodes ?? [];
  const octet = (ip: string | undefined) => Number(ip?.split(".").at(-1));
  const others = nodes.filter((_, at) => at !== index);
  const bases = [...new Set(others.map((node) => (node.vmid ?? Number.NaN) - octet(node.ip)))];
  const target = nodes[index];
  const base = bases[0];
  if (bases.length !== 1 || base === undefined || !Number.isFinite(base) || target === undefined) {
    return { why: `the other nodes' vmids follow no single "base + last octet of the IP" pattern` };
  }
  const vmid = base + octet(target.ip);
  return others.some((node) => node.vmid === vmid) ? { why: `vmid ${vmid} is another node's` } : { vmid };
}

export const duplicateVmidPlaybook = definePlaybook<{ index: number; vmid: number }, { onProxmox: boolean }>({
  id: "cluster-vmid-duplicate",
  description:
    "two nodes share a vmid: give the later one the vmid its neighbours' pattern (base + the IP's last octet) implies, when Proxmox has no VM there",
  matches(evidence) {
    const found = firstMatch(evidence, DUPLICATE_VMID);
    return found ? { index: Number(found[1]), vmid: Number(found[2]) } : undefined;
  },
  async gatherFacts(ctx, match) {
    const node = valueAt(clusterDocument(ctx.clusterText), ["proxmox", "node"]);
    const wanted = patternVmid(ctx.clusterText, match.index);
    if (!("vmid" in wanted) || typeof node !== "string") {
      return { onProxmox: false };
    }
    // The facts connect through the cluster file, which does not validate while two nodes share a
    // vmid: ask with the candidate in place.
    const candidate = setScalar(ctx.clusterText, ["nodes", match.index, "vmid"], wanted.vmid);
    return { onProxmox: (await ctx.facts.vmConfig(candidate, node, wanted.vmid)) !== undefined };
  },
  change(clusterText, { onProxmox }, match): PlaybookChange {
    const wanted = patternVmid(clusterText, match.index);
    if (!("vmid" in wanted)) {
      return {
        kind: "no_change",
        reason: `${wanted.why}; a human must choose a vmid for nodes.${match.index}`,
      };
    }
    if (onProxmox) {
      return {
        kind: "no_change",
        reason: `Proxmox already has a VM ${wanted.vmid}; a human must choose a vmid for nodes.${match.index}`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["nodes", match.index, "vmid"], wanted.vmid),
      summary: `nodes.${match.index}.vmid: ${match.vmid} is already used; use ${wanted.vmid}, as the other nodes' vmids follow their IPs`,
    };
  },
});

import type { PveNetworkInterface, PveStorage } from "../proxmox/index.ts";
import { clusterDocument, setScalar, valueAt } from "./cluster-yaml.ts";
import { definePlaybook, firstMatch, type PlaybookChange } from "./types.ts";

/**
 * `storage 'local-lvm' does not exist` (the Proxmox API's 500 reason phrase, bpg#1039, Telmate#99)
 * or the vms stage's preflight line `proxmox: storage "local-lvm" does not exist on node pve ...`.
 */
const STORAGE_MISSING = /\bstorage (?:'([^']+)'|"([^"]+)") does not exist(?: on node (\S+))?/;
/** `bridge 'vmbr9' does not exist` (qmstart task log) or the preflight's `bridge "vmbr9" does not exist on node pve`. */
const BRIDGE_MISSING = /\bbridge (?:'([^']+)'|"([^"]+)") does not exist(?: on node (\S+))?/;

interface MissingOnNode {
  name: string;
  node: string | undefined;
}

function missingOnNode(found: RegExpExecArray | undefined): MissingOnNode | undefined {
  const name = found?.[1] ?? found?.[2];
  return name === undefined ? undefined : { name, node: found?.[3] };
}

function nodeOf(clusterText: string, match: MissingOnNode): string {
  const configured = valueAt(clusterDocument(clusterText), ["proxmox", "node"]);
  return match.node ?? (typeof configured === "string" ? configured : "pve");
}

const usable = (item: { active?: boolean | undefined; enabled?: boolean | undefined }) =>
  item.active !== false && item.enabled !== false;

/**
 * Proxmox leaves out of its listings what the token may not see (pve-storage Status.pm:243-245;
 * pve-manager Network.pm:470-482), so before a name is rewritten the token's privileges on it
 * are asked: a name the token cannot see may well exist, and is a human's grant to make.
 */
async function invisibility(
  privileges: Promise<Set<string>>,
  path: string,
  seeing: readonly string[],
): Promise<string | undefined> {
  const held = await privileges;
  return seeing.some((privilege) => held.has(privilege))
    ? undefined
    : `the token holds none of ${seeing.join(", ")} on ${path}: Proxmox hides it from the token, so it may exist; a human must grant access or confirm the name`;
}

export const missingStoragePlaybook = definePlaybook<
  MissingOnNode,
  { node: string; storages: PveStorage[]; invisible: string | undefined }
>({
  id: "proxmox-storage-missing",
  description:
    "proxmox.storage (or isoStorage) names a storage the node does not have: use the node's storage that holds that content",
  matches: (evidence) => missingOnNode(firstMatch(evidence, STORAGE_MISSING)),
  async gatherFacts(ctx, match) {
    const node = nodeOf(ctx.clusterText, match);
    const path = `/storage/${match.name}`;
    return {
      node,
      storages: await ctx.facts.storages(ctx.clusterText, node),
      invisible: await invisibility(ctx.facts.privileges(ctx.clusterText, path), path, [
        "Datastore.Audit",
        "Datastore.AllocateSpace",
      ]),
    };
  },
  change(clusterText, { node, storages, invisible }, match): PlaybookChange {
    if (invisible !== undefined) {
      return { kind: "no_change", reason: `storage "${match.name}": ${invisible}` };
    }
    const doc = clusterDocument(clusterText);
    const field =
      valueAt(doc, ["proxmox", "storage"]) === match.name
        ? ({ key: "storage", content: "images" } as const)
        : valueAt(doc, ["proxmox", "isoStorage"]) === match.name
          ? ({ key: "isoStorage", content: "iso" } as const)
          : undefined;
    if (field === undefined) {
      return { kind: "no_change", reason: `the cluster file does not name storage "${match.name}"` };
    }
    const fitting = storages.filter(
      (storage) =>
        storage.storage !== match.name &&
        usable(storage) &&
        storage.content.split(",").includes(field.content),
    );
    const chosen = fitting[0];
    if (chosen === undefined) {
      return {
        kind: "no_change",
        reason: `node ${node} has no active storage holding ${field.content} (it has: ${storages.map((s) => s.storage).join(", ") || "none"}); a human must add one`,
      };
    }
    const others = fitting.slice(1).map((storage) => storage.storage);
    return {
      kind: "changed",
      text: setScalar(clusterText, ["proxmox", field.key], chosen.storage),
      summary: `proxmox.${field.key}: ${match.name} does not exist on node ${node}; use ${chosen.storage}, which holds ${field.content}${others.length > 0 ? ` (also possible: ${others.join(", ")})` : ""}`,
    };
  },
});

export const missingBridgePlaybook = definePlaybook<
  MissingOnNode,
  { node: string; bridges: PveNetworkInterface[]; invisible: string | undefined }
>({
  id: "proxmox-bridge-missing",
  description:
    "proxmox.bridge names a bridge the node does not have: use the node's only (or first) active bridge",
  matches: (evidence) => missingOnNode(firstMatch(evidence, BRIDGE_MISSING)),
  async gatherFacts(ctx, match) {
    const node = nodeOf(ctx.clusterText, match);
    const path = `/sdn/zones/localnetwork/${match.name}`;
    return {
      node,
      bridges: await ctx.facts.bridges(ctx.clusterText, node),
      invisible: await invisibility(ctx.facts.privileges(ctx.clusterText, path), path, [
        "SDN.Audit",
        "SDN.Use",
      ]),
    };
  },
  change(clusterText, { node, bridges, invisible }, match): PlaybookChange {
    if (invisible !== undefined) {
      return { kind: "no_change", reason: `bridge "${match.name}": ${invisible}` };
    }
    const doc = clusterDocument(clusterText);
    if (valueAt(doc, ["proxmox", "bridge"]) !== match.name) {
      return { kind: "no_change", reason: `proxmox.bridge is not "${match.name}"` };
    }
    // `active` is 1 or absent (pve-common Network/Interfaces.pm:341-345): only 1 is a running bridge.
    const fitting = bridges.filter((bridge) => bridge.iface !== match.name && bridge.active === true);
    const chosen = fitting[0];
    if (chosen === undefined) {
      return {
        kind: "no_change",
        reason: `node ${node} has no other active bridge (it has: ${bridges.map((b) => b.iface).join(", ") || "none"}); a human must create one`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["proxmox", "bridge"], chosen.iface),
      summary: `proxmox.bridge: ${match.name} does not exist on node ${node}; use ${chosen.iface}${fitting.length > 1 ? `, the first of ${fitting.map((b) => b.iface).join(", ")}` : ", its only bridge"}`,
    };
  },
});

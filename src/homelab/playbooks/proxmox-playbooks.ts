import type { PveNetworkInterface, PveStorage } from "../proxmox/index.ts";
import { onlySlot } from "./fact-stores/slots.ts";
import type { FactKind, ProxmoxAccess } from "./fact-stores/types.ts";
import { defineStorePlaybook, firstMatch, type PlaybookOutcome, type StoreContext } from "./types.ts";

/**
 * `storage 'local-lvm' does not exist`: the Proxmox API's 500 reason phrase (bpg#1039, Telmate#99),
 * which the bpg/proxmox provider prints as `received an HTTP 500 response - Reason: storage
 * 'local-lvm' does not exist` (bpg/terraform-provider-proxmox proxmox/api/client.go
 * validateResponseCode: the status line's reason phrase after the code), or the vms stage's
 * preflight line `proxmox: storage "local-lvm" does not exist on node pve ...`.
 */
const STORAGE_MISSING = /\bstorage (?:'([^']+)'|"([^"]+)") does not exist(?: on node (\S+))?/;
/**
 * `bridge 'vmbr9' does not exist`: a line of the qmstart task log, which bpg/proxmox now appends
 * to a failed task's error (proxmox/nodes/tasks tasks_test.go TestWaitForTask_FailedTaskIncludesLog),
 * or the preflight's `bridge "vmbr9" does not exist on node pve`.
 */
const BRIDGE_MISSING = /\bbridge (?:'([^']+)'|"([^"]+)") does not exist(?: on node (\S+))?/;

interface MissingOnNode {
  name: string;
  node: string | undefined;
}

function missingOnNode(found: RegExpExecArray | undefined): MissingOnNode | undefined {
  const name = found?.[1] ?? found?.[2];
  return name === undefined ? undefined : { name, node: found?.[3] };
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

interface NodeFacts<Item> {
  node: string;
  items: Item[];
  invisible: string | undefined;
}

/** Asks Proxmox only when the store holds the name: the node, its listing and the token's view. */
async function nodeFacts<Item>(
  ctx: StoreContext,
  kind: FactKind,
  match: MissingOnNode,
  listing: (access: ProxmoxAccess, node: string) => Promise<Item[]>,
  aclPath: string,
  seeing: readonly string[],
): Promise<NodeFacts<Item> | undefined> {
  if (ctx.store.slotsHolding(kind, match.name).length === 0) {
    return undefined;
  }
  const access = ctx.store.proxmox();
  if (typeof access === "object" && "why" in access) {
    throw new Error(access.why);
  }
  const node = match.node ?? ctx.store.proxmoxNode();
  if (node === undefined) {
    throw new Error(`${ctx.store.name} names no single Proxmox node (node_name or target_node)`);
  }
  return {
    node,
    items: await listing(access, node),
    invisible: await invisibility(ctx.facts.privileges(access, aclPath), aclPath, seeing),
  };
}

export const missingStoragePlaybook = defineStorePlaybook<MissingOnNode, NodeFacts<PveStorage> | undefined>({
  id: "proxmox-storage-missing",
  description:
    "a storage the node does not have (proxmox.storage or isoStorage, a tfvars value, a variable default, a datastore_id): use the node's storage that holds that content",
  matches: (evidence) => missingOnNode(firstMatch(evidence, STORAGE_MISSING)),
  gatherFacts: (ctx, match) =>
    nodeFacts(ctx, "storage", match, ctx.facts.storages.bind(ctx.facts), `/storage/${match.name}`, [
      "Datastore.Audit",
      "Datastore.AllocateSpace",
    ]),
  change(store, facts, match): PlaybookOutcome {
    const slot = onlySlot(store, "storage", match.name);
    if ("why" in slot || facts === undefined) {
      return { kind: "no_change", reason: "why" in slot ? slot.why : `${store.name} changed meanwhile` };
    }
    const { node, items: storages, invisible } = facts;
    if (invisible !== undefined) {
      return { kind: "no_change", reason: `storage "${match.name}": ${invisible}` };
    }
    const content = slot.content ?? "images";
    const fitting = storages.filter(
      (storage) =>
        storage.storage !== match.name && usable(storage) && storage.content.split(",").includes(content),
    );
    const chosen = fitting[0];
    if (chosen === undefined) {
      return {
        kind: "no_change",
        reason: `node ${node} has no active storage holding ${content} (it has: ${storages.map((s) => s.storage).join(", ") || "none"}); a human must add one`,
      };
    }
    const others = fitting.slice(1).map((storage) => storage.storage);
    return {
      kind: "changed",
      path: slot.file,
      text: slot.edit(chosen.storage),
      summary: `${slot.label}: ${match.name} does not exist on node ${node}; use ${chosen.storage}, which holds ${content}${others.length > 0 ? ` (also possible: ${others.join(", ")})` : ""}`,
    };
  },
});

export const missingBridgePlaybook = defineStorePlaybook<
  MissingOnNode,
  NodeFacts<PveNetworkInterface> | undefined
>({
  id: "proxmox-bridge-missing",
  description:
    "a bridge the node does not have (proxmox.bridge, a tfvars value, a variable default, a network_device bridge): use the node's only (or first) active bridge",
  matches: (evidence) => missingOnNode(firstMatch(evidence, BRIDGE_MISSING)),
  gatherFacts: (ctx, match) =>
    nodeFacts(
      ctx,
      "bridge",
      match,
      ctx.facts.bridges.bind(ctx.facts),
      `/sdn/zones/localnetwork/${match.name}`,
      ["SDN.Audit", "SDN.Use"],
    ),
  change(store, facts, match): PlaybookOutcome {
    const slot = onlySlot(store, "bridge", match.name);
    if ("why" in slot || facts === undefined) {
      return { kind: "no_change", reason: "why" in slot ? slot.why : `${store.name} changed meanwhile` };
    }
    const { node, items: bridges, invisible } = facts;
    if (invisible !== undefined) {
      return { kind: "no_change", reason: `bridge "${match.name}": ${invisible}` };
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
      path: slot.file,
      text: slot.edit(chosen.iface),
      summary: `${slot.label}: ${match.name} does not exist on node ${node}; use ${chosen.iface}${fitting.length > 1 ? `, the first of ${fitting.map((b) => b.iface).join(", ")}` : ", its only bridge"}`,
    };
  },
});

/**
 * Proxmox's answer for a node name the cluster does not know, as the API relays it (and bpg after
 * `Reason:`): `hostname lookup 'pve1' failed - failed to get address info for: pve1: Name or
 * service not known` (pve-cluster's remote-node resolution, as the lab plays it:
 * lab/proxmox-server/lookups.ts).
 */
const UNKNOWN_NODE = /hostname lookup '([^']+)' failed - failed to get address info for/;

export const unknownProxmoxNodePlaybook = defineStorePlaybook<
  { name: string },
  { nodes: { node: string; online: boolean }[] } | undefined
>({
  id: "proxmox-node-unknown",
  description:
    "a Proxmox node the cluster does not have (proxmox.node, a node's pveNode, node_name or target_node, or the variable holding it): use its only online node",
  matches(evidence) {
    const found = firstMatch(evidence, UNKNOWN_NODE);
    return found ? { name: found[1] ?? "" } : undefined;
  },
  async gatherFacts(ctx, match) {
    if (ctx.store.slotsHolding("node", match.name).length === 0) {
      return undefined;
    }
    const access = ctx.store.proxmox();
    if (typeof access === "object" && "why" in access) {
      throw new Error(access.why);
    }
    return { nodes: await ctx.facts.nodes(access) };
  },
  change(store, facts, match): PlaybookOutcome {
    const slot = onlySlot(store, "node", match.name);
    if ("why" in slot || facts === undefined) {
      return { kind: "no_change", reason: "why" in slot ? slot.why : `${store.name} changed meanwhile` };
    }
    const online = facts.nodes.filter((node) => node.online).map((node) => node.node);
    const [only, ...more] = online;
    if (only === undefined || more.length > 0) {
      return {
        kind: "no_change",
        reason: `the Proxmox cluster has ${only === undefined ? "no online node" : `several online nodes (${online.join(", ")})`}; a human must choose where ${slot.label} points`,
      };
    }
    return {
      kind: "changed",
      path: slot.file,
      text: slot.edit(only),
      summary: `${slot.label}: Proxmox has no node "${match.name}"; use ${only}, its only online node`,
    };
  },
});

import { formatIpv4, isHostAddress, parseCidr, parseIpv4 } from "../cluster-file/index.ts";
import { clusterDocument, setScalar, valueAt } from "./cluster-yaml.ts";
import { definePlaybook, firstMatch, type PlaybookChange } from "./types.ts";

/** The cluster file's own rule, as its ConfigError prints it: `nodes.1.ip: 192.168.2.22 is outside network.cidr 192.168.1.0/24 ...`. */
const IP_OUTSIDE = /\bnodes\.(\d+)\.ip: (\S+) is outside network\.cidr (\S+)/;

interface IpOutside {
  index: number;
  ip: string;
}

export const nodeIpOutsideSubnetPlaybook = definePlaybook<IpOutside, null>({
  id: "node-ip-outside-subnet",
  description:
    "a node's IP lies outside network.cidr: keep its host part inside the subnet when that address is free, else leave it to a human",
  matches(evidence) {
    const found = firstMatch(evidence, IP_OUTSIDE);
    return found ? { index: Number(found[1]), ip: found[2] ?? "" } : undefined;
  },
  gatherFacts: async () => null,
  change(clusterText, _facts, match): PlaybookChange {
    const doc = clusterDocument(clusterText);
    const cidrText = valueAt(doc, ["network", "cidr"]);
    const cidr = typeof cidrText === "string" ? parseCidr(cidrText) : undefined;
    const current = valueAt(doc, ["nodes", match.index, "ip"]);
    const address = typeof current === "string" ? parseIpv4(current) : undefined;
    if (cidr === undefined || address === undefined || current !== match.ip) {
      return { kind: "no_change", reason: `nodes.${match.index}.ip is no longer ${match.ip}` };
    }
    const size = 2 ** (32 - cidr.prefix);
    const candidate = cidr.network + (address % size);
    const taken = new Set<string>();
    const js = doc.toJS() as {
      nodes?: { ip?: string }[];
      network?: { gateway?: string };
      kubernetes?: { endpoint?: { vip?: string } };
    };
    for (const [index, node] of (js.nodes ?? []).entries()) {
      if (index !== match.index && node.ip) {
        taken.add(node.ip);
      }
    }
    for (const other of [js.network?.gateway, js.kubernetes?.endpoint?.vip]) {
      if (other) {
        taken.add(other);
      }
    }
    const text = formatIpv4(candidate);
    if (!isHostAddress(cidr, candidate) || taken.has(text)) {
      return {
        kind: "no_change",
        reason: `${text}, the matching host in ${cidr.text}, is ${taken.has(text) ? "already taken" : "not a host address"}; a human must choose the address`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["nodes", match.index, "ip"], text),
      summary: `nodes.${match.index}.ip: ${match.ip} is outside ${cidr.text}; use ${text}, the same host inside the subnet (check the DHCP reservation for its MAC)`,
    };
  },
});

/** The cluster file's rule for the API endpoint: `kubernetes.endpoint.vip: 192.168.2.20 is outside network.cidr 192.168.1.0/24`. */
const VIP_OUTSIDE = /\bkubernetes\.endpoint\.vip: (\S+) is outside network\.cidr (\S+)/;

export const vipOutsideSubnetPlaybook = definePlaybook<{ vip: string }, null>({
  id: "vip-outside-subnet",
  description:
    "kubernetes.endpoint.vip lies outside network.cidr: keep its host part inside the subnet when no node, gateway or DNS server has that address",
  matches(evidence) {
    const found = firstMatch(evidence, VIP_OUTSIDE);
    return found ? { vip: found[1] ?? "" } : undefined;
  },
  gatherFacts: async () => null,
  change(clusterText, _facts, match): PlaybookChange {
    const doc = clusterDocument(clusterText);
    const cidrText = valueAt(doc, ["network", "cidr"]);
    const cidr = typeof cidrText === "string" ? parseCidr(cidrText) : undefined;
    const current = valueAt(doc, ["kubernetes", "endpoint", "vip"]);
    const address = typeof current === "string" ? parseIpv4(current) : undefined;
    if (cidr === undefined || address === undefined || current !== match.vip) {
      return { kind: "no_change", reason: `kubernetes.endpoint.vip is no longer ${match.vip}` };
    }
    const candidate = cidr.network + (address % 2 ** (32 - cidr.prefix));
    const js = doc.toJS() as { nodes?: { ip?: string }[]; network?: { gateway?: string; dns?: string[] } };
    const taken = new Set(
      [...(js.nodes ?? []).map((node) => node.ip), js.network?.gateway, ...(js.network?.dns ?? [])].filter(
        (ip): ip is string => typeof ip === "string",
      ),
    );
    const text = formatIpv4(candidate);
    if (!isHostAddress(cidr, candidate) || taken.has(text)) {
      return {
        kind: "no_change",
        reason: `${text}, the matching host in ${cidr.text}, is ${taken.has(text) ? "already taken" : "not a host address"}; a human must choose the VIP`,
      };
    }
    return {
      kind: "changed",
      text: setScalar(clusterText, ["kubernetes", "endpoint", "vip"], text),
      summary: `kubernetes.endpoint.vip: ${match.vip} is outside ${cidr.text}; use ${text}, the same host inside the subnet`,
    };
  },
});

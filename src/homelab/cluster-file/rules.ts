import { type Cidr, cidrsOverlap, isHostAddress, parseCidr, parseIpv4 } from "./ipv4.ts";
import type { ClusterFile } from "./schema.ts";

/** A rule broken: where (a path into the YAML document) and why, in words a person can act on. */
export interface ClusterFileProblem {
  readonly path: readonly (string | number)[];
  readonly reason: string;
}

const SECRET_ADVICE =
  "the token secret must not be written in the cluster file: put it in the environment variable named by " +
  "proxmox.tokenSecretEnv (default PROXMOX_TOKEN_SECRET) or in a file outside git named by proxmox.tokenSecretFile";

/**
 * Runs before the schema so that a pasted secret gets this advice instead of "unknown field".
 * Takes the raw parsed YAML.
 */
export function inlineSecretProblem(raw: unknown): ClusterFileProblem | undefined {
  const proxmox = isRecord(raw) ? raw["proxmox"] : undefined;
  if (!isRecord(proxmox)) {
    return undefined;
  }
  for (const [key, value] of Object.entries(proxmox)) {
    if (/secret|password|passwd/i.test(key) && key !== "tokenSecretEnv" && key !== "tokenSecretFile") {
      return { path: ["proxmox", key], reason: SECRET_ADVICE };
    }
    if (key === "tokenId" && typeof value === "string" && value.includes("=")) {
      return { path: ["proxmox", key], reason: `tokenId carries "=<secret>": ${SECRET_ADVICE}` };
    }
    if (key === "tokenSecretEnv" && typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value)) {
      return { path: ["proxmox", key], reason: `this looks like the secret itself: ${SECRET_ADVICE}` };
    }
  }
  return undefined;
}

/** The first cross-field rule the validated file breaks, or undefined. Pure. */
export function clusterFileProblem(cluster: ClusterFile): ClusterFileProblem | undefined {
  return clusterFileProblems(cluster)[0];
}

/**
 * Every problem of the cluster file at once, so a user fixes them in one go rather than one per
 * run: the first of each area (Proxmox, Talos, network, endpoint, address blocks) and the first
 * of each node.
 */
export function clusterFileProblems(cluster: ClusterFile): ClusterFileProblem[] {
  return [
    proxmoxProblem(cluster),
    talosProblem(cluster),
    networkProblem(cluster),
    ...nodesProblems(cluster),
    endpointProblem(cluster),
    cidrOverlapProblem(cluster),
  ].filter((problem): problem is ClusterFileProblem => problem !== undefined);
}

function proxmoxProblem({ proxmox }: ClusterFile): ClusterFileProblem | undefined {
  const file = proxmox.tokenSecretFile;
  if (file !== undefined && !file.startsWith("/") && !file.startsWith("~/")) {
    return {
      path: ["proxmox", "tokenSecretFile"],
      reason:
        "must name a file outside the repository (an absolute path or ~/…), so the secret never reaches git",
    };
  }
  if (proxmox.insecureTLS && (proxmox.caFile !== undefined || proxmox.fingerprint !== undefined)) {
    return {
      path: ["proxmox", "insecureTLS"],
      reason: "insecureTLS: true turns certificate checks off; remove it to use caFile or fingerprint",
    };
  }
  return undefined;
}

/** One Talos version string feeds the ISO, the installer image and the config contract. */
function talosProblem({ talos }: ClusterFile): ClusterFileProblem | undefined {
  if (talos.isoUrl === null) {
    return undefined;
  }
  const versions = talos.isoUrl.match(/v\d+\.\d+\.\d+/g) ?? [];
  const other = versions.find((version) => version !== talos.version);
  if (other !== undefined || versions.length === 0) {
    return {
      path: ["talos", "isoUrl"],
      reason: `${other === undefined ? "names no Talos version" : `names Talos ${other}`} but talos.version is ${talos.version}: one version feeds the ISO, the installer image and the config contract (leave isoUrl out to derive it)`,
    };
  }
  const schematics = talos.isoUrl.match(/[0-9a-f]{64}/g) ?? [];
  if (schematics.some((schematic) => schematic !== talos.schematicId)) {
    return { path: ["talos", "isoUrl"], reason: "names a different schematic than talos.schematicId" };
  }
  return undefined;
}

function networkProblem({ network }: ClusterFile): ClusterFileProblem | undefined {
  const cidr = mustCidr(network.cidr);
  if (!isHostAddress(cidr, mustIp(network.gateway))) {
    return {
      path: ["network", "gateway"],
      reason: `${network.gateway} is not a host address in network.cidr ${cidr.text}`,
    };
  }
  return undefined;
}

function nodesProblems({ nodes, network }: ClusterFile): ClusterFileProblem[] {
  const cidr = mustCidr(network.cidr);
  const seen = {
    name: new Map<string, string>(),
    ip: new Map<string, string>(),
    mac: new Map<string, string>(),
  };
  const vmids = new Map<number, string>();
  const problems: ClusterFileProblem[] = [];
  for (const [index, node] of nodes.entries()) {
    const at = (field: string, reason: string): ClusterFileProblem => ({
      path: ["nodes", index, field],
      reason,
    });
    const problem = (): ClusterFileProblem | undefined => {
      const address = mustIp(node.ip);
      if (!isHostAddress(cidr, address)) {
        return at(
          "ip",
          `${node.ip} is outside network.cidr ${cidr.text} (or is its network/broadcast address)`,
        );
      }
      if (node.ip === network.gateway) {
        return at("ip", `${node.ip} is the gateway address`);
      }
      if (Number.parseInt(node.mac.slice(0, 2), 16) % 2 === 1) {
        return at("mac", `${node.mac} is a multicast MAC address: the first octet must be even`);
      }
      const keys = { name: node.name, ip: node.ip, mac: node.mac.toLowerCase() };
      for (const field of ["name", "ip", "mac"] as const) {
        const owner = seen[field].get(keys[field]);
        if (owner !== undefined) {
          return at(field, `${node[field]} is already used by node ${owner}`);
        }
        seen[field].set(keys[field], node.name);
      }
      const vmidOwner = vmids.get(node.vmid);
      if (vmidOwner !== undefined) {
        return at("vmid", `vmid ${node.vmid} is already used by node ${vmidOwner}`);
      }
      vmids.set(node.vmid, node.name);
      return undefined;
    };
    const found = problem();
    if (found) {
      problems.push(found);
    }
  }
  if (!nodes.some((node) => node.role === "controlplane")) {
    problems.push({
      path: ["nodes"],
      reason: "no node has role: controlplane; a cluster needs at least one",
    });
  }
  return problems;
}

function endpointProblem({ kubernetes, network, nodes }: ClusterFile): ClusterFileProblem | undefined {
  const vip = kubernetes.endpoint.vip;
  const path = ["kubernetes", "endpoint", "vip"];
  if (!isHostAddress(mustCidr(network.cidr), mustIp(vip))) {
    return { path, reason: `${vip} is outside network.cidr ${network.cidr}` };
  }
  if (vip === network.gateway) {
    return { path, reason: `${vip} is the gateway address` };
  }
  const node = nodes.find((candidate) => candidate.ip === vip);
  if (node !== undefined) {
    return { path, reason: `${vip} is node ${node.name}'s address; the VIP must be a free address` };
  }
  return undefined;
}

function cidrOverlapProblem({ kubernetes, network }: ClusterFile): ClusterFileProblem | undefined {
  const blocks: { path: string[]; cidr: Cidr }[] = [
    { path: ["network", "cidr"], cidr: mustCidr(network.cidr) },
    { path: ["kubernetes", "podCidr"], cidr: mustCidr(kubernetes.podCidr) },
    { path: ["kubernetes", "serviceCidr"], cidr: mustCidr(kubernetes.serviceCidr) },
  ];
  for (const [i, later] of blocks.entries()) {
    for (const earlier of blocks.slice(0, i)) {
      if (cidrsOverlap(earlier.cidr, later.cidr)) {
        return {
          path: later.path,
          reason: `${later.cidr.text} overlaps ${earlier.path.join(".")} ${earlier.cidr.text}`,
        };
      }
    }
  }
  return undefined;
}

/** The schema already checked the shape; a failure here is a bug. */
function mustCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr === undefined) {
    throw new Error(`schema let through an invalid CIDR ${text}`);
  }
  return cidr;
}

function mustIp(text: string): number {
  const address = parseIpv4(text);
  if (address === undefined) {
    throw new Error(`schema let through an invalid IPv4 address ${text}`);
  }
  return address;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

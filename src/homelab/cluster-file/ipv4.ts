/** Small pure IPv4 and CIDR arithmetic; addresses are unsigned 32-bit numbers. */

export interface Cidr {
  readonly text: string;
  readonly network: number;
  readonly prefix: number;
  /** First and last address of the block (network and broadcast for prefixes below 31). */
  readonly first: number;
  readonly last: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => OCTET.test(part))) {
    return undefined;
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/** `10.42.0.0/16` → its block; undefined when malformed or when host bits are set. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  if (
    address === undefined ||
    prefixText === undefined ||
    extra !== undefined ||
    !/^\d{1,2}$/.test(prefixText)
  ) {
    return undefined;
  }
  const prefix = Number(prefixText);
  const network = parseIpv4(address);
  if (network === undefined || prefix > 32) {
    return undefined;
  }
  const size = 2 ** (32 - prefix);
  if (network % size !== 0) {
    return undefined;
  }
  return { text, network, prefix, first: network, last: network + size - 1 };
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  return address >= cidr.first && address <= cidr.last;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** Network and broadcast addresses cannot be given to a host (except in /31 and /32). */
export function isHostAddress(cidr: Cidr, address: number): boolean {
  if (!cidrContains(cidr, address)) {
    return false;
  }
  return cidr.prefix >= 31 || (address !== cidr.first && address !== cidr.last);
}

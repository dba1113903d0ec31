/**
 * Hosts a diagnostic may never reach: the link-local range (RFC 3927, RFC 4291; where every cloud's instance
 * metadata service answers with credentials) and the metadata services' names. A homelab
 * diagnostic has no business there, and a request to one from a model-chosen URL is the classic
 * way to turn a "read-only GET" into a credential leak.
 */
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.azure.internal",
  "metadata.platformequinix.com",
]);
/**
 * Metadata services outside the link-local range: AWS's IPv6 IMDS
 * (docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html) and Alibaba
 * Cloud's (alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata). GCP's name is
 * metadata.google.internal (cloud.google.com/compute/docs/metadata/querying-metadata).
 */
const METADATA_ADDRESSES = new Set(["fd00:ec2::254", "100.100.100.200"]);

function ipv4Bytes(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) {
    return undefined;
  }
  return parts.map(Number);
}

/** The 8 hextets of an IPv6 address written in any shorthand, or undefined. */
function ipv6Hextets(host: string): number[] | undefined {
  let text = host.replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const bytes = ipv4Bytes(v4[1] as string);
    if (!bytes) {
      return undefined;
    }
    const [a = 0, b = 0, c = 0, d = 0] = bytes;
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) {
    return undefined;
  }
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    return undefined;
  }
  const words = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!words.every((word) => /^[0-9a-f]{1,4}$/i.test(word))) {
    return undefined;
  }
  return words.map((word) => Number.parseInt(word, 16));
}

/** Why `host` (a name, an IPv4 address, or an IPv6 address with or without brackets) is off limits. */
export function forbiddenHost(rawHost: string): string | undefined {
  const host = rawHost
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (METADATA_NAMES.has(host) || host.endsWith(".metadata.google.internal")) {
    return `${rawHost} is a cloud metadata service, which hands out credentials`;
  }
  const v4 = ipv4Bytes(host);
  if (v4 && v4[0] === 169 && v4[1] === 254) {
    return `${rawHost} is a link-local address (169.254.0.0/16), where metadata services answer`;
  }
  const v6 = ipv6Hextets(host);
  if (v6) {
    const first = v6[0] ?? 0;
    if (first >= 0xfe80 && first <= 0xfebf) {
      return `${rawHost} is a link-local address (fe80::/10)`;
    }
    // IPv4 carried in IPv6: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
    const carried = v6.slice(0, 5).every((word) => word === 0) || (first === 0x64 && v6[1] === 0xff9b);
    if (
      carried &&
      (v6[5] === 0xffff || v6[5] === 0) &&
      (v6[6] ?? 0) >> 8 === 169 &&
      ((v6[6] ?? 0) & 0xff) === 254
    ) {
      return `${rawHost} is a link-local IPv4 address (169.254.0.0/16) written as IPv6`;
    }
    const canonical = v6.map((word) => word.toString(16)).join(":");
    if (canonical === "fd00:ec2:0:0:0:0:0:254") {
      return `${rawHost} is a cloud metadata service, which hands out credentials`;
    }
  }
  if (METADATA_ADDRESSES.has(host)) {
    return `${rawHost} is a cloud metadata service, which hands out credentials`;
  }
  return undefined;
}

/**
 * The host a URL argument reaches, read the way a WHATWG URL parser reads it, which also turns
 * the other spellings of an IPv4 address (2852039166, 0xa9fea9fe, 0251.0376.0251.0376,
 * 169.254.43518) into dotted form. A URL without a scheme is read as http, as curl reads it.
 * Undefined when it does not parse.
 */
export function hostOfUrl(url: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  try {
    return new URL(withScheme).hostname;
  } catch {
    return undefined;
  }
}

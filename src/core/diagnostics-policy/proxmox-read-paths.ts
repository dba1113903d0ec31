/**
 * The Proxmox VE API paths a diagnostic may read (research/homelab-stages.md §1 vms
 * "Diagnostics (GET)"): an allowlist of path shapes, each with the query parameters Proxmox
 * documents for it as filters. Anything else, including every path that changes something
 * (`/status/stop`, `/config` with POST) and everything under `/access`, is refused with a reason.
 * Both the diagnostics policy and the Proxmox client's `get` judge paths here.
 */

export type ProxmoxReadPath =
  | {
      readonly ok: true;
      /** Unencoded segments, e.g. ["nodes", "pve", "tasks", "UPID:pve:…:"]; encode each to build a URL. */
      readonly segments: readonly string[];
      /** The query parameters, each once, checked against the shape's list. */
      readonly query: Readonly<Record<string, string>>;
    }
  | { readonly ok: false; readonly reason: string };

type Check = (value: string) => boolean;

const NODE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const VMID = /^[1-9]\d{2,8}$/;
const STORAGE = /^[a-zA-Z][a-zA-Z0-9._-]{0,99}$/;
/** `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` (see src/homelab/proxmox/upid.ts). */
const UPID =
  /^UPID:[a-zA-Z0-9-]+:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[a-zA-Z0-9_-]+:[a-zA-Z0-9_.-]*:[a-zA-Z0-9_.@!-]+:$/i;

const digits: Check = (value) => /^\d{1,6}$/.test(value);
const flag: Check = (value) => value === "0" || value === "1";
const oneOf =
  (...values: string[]): Check =>
  (value) =>
    values.includes(value);
const contentTypes: Check = (value) =>
  value
    .split(",")
    .every((type) => ["images", "rootdir", "iso", "vztmpl", "backup", "snippets", "import"].includes(type));

interface Shape {
  /** How the shape is written in messages. */
  readonly text: string;
  /** One pattern per segment: a literal word or a check of a variable part. */
  readonly segments: readonly (string | { readonly name: string; readonly check: RegExp })[];
  readonly query: Readonly<Record<string, Check>>;
}

const node = { name: "node", check: NODE };
const vmid = { name: "vmid", check: VMID };
const storage = { name: "storage", check: STORAGE };
const upid = { name: "upid", check: UPID };

const SHAPES: readonly Shape[] = [
  { text: "/version", segments: ["version"], query: {} },
  { text: "/nodes", segments: ["nodes"], query: {} },
  { text: "/nodes/{node}/qemu", segments: ["nodes", node, "qemu"], query: {} },
  {
    text: "/nodes/{node}/qemu/{vmid}/status/current",
    segments: ["nodes", node, "qemu", vmid, "status", "current"],
    query: {},
  },
  {
    text: "/nodes/{node}/qemu/{vmid}/config",
    segments: ["nodes", node, "qemu", vmid, "config"],
    query: { current: flag },
  },
  {
    text: "/nodes/{node}/tasks",
    segments: ["nodes", node, "tasks"],
    query: {
      vmid: (value) => VMID.test(value),
      errors: flag,
      limit: digits,
      start: digits,
      source: oneOf("archive", "active", "all"),
      typefilter: (value) => /^[a-zA-Z0-9_-]{1,40}$/.test(value),
    },
  },
  {
    text: "/nodes/{node}/tasks/{upid}/status",
    segments: ["nodes", node, "tasks", upid, "status"],
    query: {},
  },
  {
    text: "/nodes/{node}/tasks/{upid}/log",
    segments: ["nodes", node, "tasks", upid, "log"],
    query: { start: digits, limit: digits },
  },
  {
    text: "/nodes/{node}/storage",
    segments: ["nodes", node, "storage"],
    query: { content: contentTypes, enabled: flag },
  },
  {
    text: "/nodes/{node}/storage/{storage}/content",
    segments: ["nodes", node, "storage", storage, "content"],
    query: { content: contentTypes, vmid: (value) => VMID.test(value) },
  },
  {
    text: "/nodes/{node}/network",
    segments: ["nodes", node, "network"],
    query: {
      type: oneOf(
        "bridge",
        "bond",
        "eth",
        "alias",
        "vlan",
        "OVSBridge",
        "OVSBond",
        "OVSPort",
        "OVSIntPort",
        "any_bridge",
        "any_local_bridge",
      ),
    },
  },
  {
    text: "/cluster/resources",
    segments: ["cluster", "resources"],
    query: { type: oneOf("vm", "storage", "node", "sdn") },
  },
];

/** The allowed shapes, for messages and help. */
export const PROXMOX_READ_PATHS: readonly string[] = SHAPES.map((shape) => shape.text);

const refuse = (reason: string): ProxmoxReadPath => ({ ok: false, reason });

function matches(shape: Shape, segments: readonly string[]): boolean {
  return (
    shape.segments.length === segments.length &&
    shape.segments.every((pattern, i) => {
      const segment = segments[i] ?? "";
      return typeof pattern === "string" ? pattern === segment : pattern.check.test(segment);
    })
  );
}

/** The shape whose literal words fit, to say which variable part is malformed. */
function nearShape(segments: readonly string[]): Shape | undefined {
  return SHAPES.find(
    (shape) =>
      shape.segments.length === segments.length &&
      shape.segments.every((pattern, i) => typeof pattern !== "string" || pattern === segments[i]),
  );
}

/**
 * Is `text` (`/nodes/pve/tasks?vmid=121&errors=1&limit=20`) a read this tool allows? The path
 * is judged as written: no percent-encoding, no `.`/`..` or empty segments, no fragment, each
 * query parameter at most once and only those Proxmox documents as filters for that path.
 */
export function checkProxmoxReadPath(text: string): ProxmoxReadPath {
  if (!text.startsWith("/")) {
    return refuse(
      `a Proxmox API path starts with "/" (e.g. /nodes/pve/qemu/121/status/current), not "${text}"`,
    );
  }
  if (/^\/api2\/(json|extjs)(\/|$)/.test(text)) {
    return refuse(`write the path below /api2/json: ${text.replace(/^\/api2\/(json|extjs)/, "") || "/"}`);
  }
  if (text.includes("%")) {
    return refuse("the path may not contain percent-encoding (%): write it unencoded");
  }
  if (text.includes("#")) {
    return refuse("the path may not contain a fragment (#)");
  }
  if (/[\\\s]/.test(text) || /[^\x21-\x7e]/.test(text)) {
    return refuse("the path may contain only visible ASCII characters, no spaces or backslashes");
  }
  const questionMark = text.indexOf("?");
  const pathPart = questionMark === -1 ? text : text.slice(0, questionMark);
  const queryPart = questionMark === -1 ? "" : text.slice(questionMark + 1);
  const segments = pathPart.slice(1).split("/");
  if (segments.some((segment) => segment === "." || segment === "..")) {
    return refuse("the path may not contain . or .. segments");
  }
  if (segments.some((segment) => segment === "")) {
    return refuse("the path may not contain empty segments (// or a trailing /)");
  }
  const shape = SHAPES.find((candidate) => matches(candidate, segments));
  if (!shape) {
    const near = nearShape(segments);
    if (near) {
      const bad = near.segments
        .map((pattern, i) =>
          typeof pattern === "string" || pattern.check.test(segments[i] ?? "") ? undefined : pattern.name,
        )
        .filter((name) => name !== undefined);
      return refuse(
        `${pathPart} does not fit ${near.text}: ${bad.map((name) => `{${name}}`).join(", ")} is malformed`,
      );
    }
    return refuse(
      `${pathPart} is not on the list of read-only Proxmox API paths (${PROXMOX_READ_PATHS.join(", ")})`,
    );
  }
  const query: Record<string, string> = {};
  if (queryPart !== "") {
    for (const pair of queryPart.split("&")) {
      const eq = pair.indexOf("=");
      const name = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? "" : pair.slice(eq + 1);
      const check = Object.hasOwn(shape.query, name) ? shape.query[name] : undefined;
      if (!check) {
        const known = Object.keys(shape.query);
        return refuse(
          `${shape.text} takes ${known.length === 0 ? "no query parameters" : `only the query parameters ${known.join(", ")}`}, not "${name}"`,
        );
      }
      if (Object.hasOwn(query, name)) {
        return refuse(`the query parameter ${name} is given twice`);
      }
      if (!check(value)) {
        return refuse(`the query parameter ${name}=${value} is not a valid value for ${shape.text}`);
      }
      query[name] = value;
    }
  }
  return { ok: true, segments, query };
}

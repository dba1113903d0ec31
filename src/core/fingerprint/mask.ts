/**
 * The rules for masking variable parts of one log message; masked-line.ts applies them in one
 * pass. Masking never depends on what a miner has learned, so it carries the stability
 * guarantee: the same message always masks to the same tokens.
 */
export const WILDCARD = "<*>";

/** Words that contain digits but name a thing rather than vary between runs. */
const KEPT_DIGIT_WORDS = new Set([
  "x509",
  "ipv4",
  "ipv6",
  "sha1",
  "sha256",
  "sha512",
  "md5",
  "utf8",
  "k8s",
  "k3s",
  "http2",
  "h2",
  "oauth2",
  "base64",
  "amd64",
  "arm64",
  "x86",
  "i386",
  "e2e",
  "s3",
  "ec2",
  "v1alpha1",
  "v1beta1",
  "v2beta1",
  "v2beta2",
  "v1beta2",
]);

/** `key=value`: the value is masked when the key names something that varies per run. */
export const VARIABLE_KEY =
  /(?:^|[_.-])(?:id|uid|uuid|guid|pid|tid|port|ts|time|timestamp|date|revision|rev|generation|duration|elapsed|latency|took|attempt|attempts|retry|retries|count|seq|nonce|session|token|trace|span|reconcileid|requestid|lease|resourceversion|cfray|originservice|dest|url)$|(?:id|uid|uuid|pid|port)$/i;

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const IPV6 = /(?:\[?)(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?:%\w+)?(?:\]?)(?::\d+)?/g;
const TEMP_PATH = /(?:\/private)?\/(?:tmp|var\/tmp|var\/folders|dev\/shm)\/[^\s'"`,;:)\]}>]*/g;
// Kubernetes pod names: <owner>-<replicaset hash>-<5 char suffix> or <owner>-<5 char suffix>.
const POD_SUFFIX =
  /\b([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(?:[a-z0-9]{5,10}-)?[bcdfghjklmnpqrstvwxz2-9]{5}\b/g;
const UPID = /UPID:[^\s'"]+/g;

/** A known digit word (`x509`, `sha256`, `v1beta1`) names a thing. */
export function isKeptDigitWord(word: string): boolean {
  return KEPT_DIGIT_WORDS.has(word.toLowerCase());
}

/** `text[start, end)` is a name with a one-digit suffix (`SOCKS5`, `eth0`): letters, then one digit. */
export function isNameWithDigit(text: string, start: number, end: number): boolean {
  const last = text.charCodeAt(end - 1);
  if (end - start < 3 || last < 48 || last > 57) {
    return false;
  }
  for (let k = start; k < end - 1; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
      return false;
    }
  }
  return true;
}

/**
 * Replace the patterned variables of one token (UPIDs, temporary paths, UUIDs, IPv6 addresses,
 * pod-name suffixes) by the wildcard; digit words are masked after this by the scanner.
 */
export function maskPatterns(token: string): string {
  let t = token;
  if (t.includes("UPID:")) {
    t = t.replace(UPID, WILDCARD);
  }
  if (t.includes("/tmp") || t.includes("/var/") || t.includes("/dev/shm")) {
    t = t.replace(TEMP_PATH, WILDCARD);
  }
  if (t.length >= 36 && t.includes("-")) {
    t = t.replace(UUID, WILDCARD);
  }
  if (t.indexOf(":") !== t.lastIndexOf(":")) {
    t = t.replace(IPV6, (m) => (/[0-9a-fA-F]/.test(m) && m.length > 3 ? WILDCARD : m));
  }
  if (t.includes("-")) {
    t = t.replace(POD_SUFFIX, (m, owner: string) =>
      /\d/.test(m.slice(owner.length)) ? `${owner}-${WILDCARD}` : m,
    );
  }
  return t;
}

// Names a tool quotes or writes as paths vary between runs and homelabs; the words around them
// say what went wrong. A quoted identifier with a capital and no `-`, `/` or `:` is kept: it names
// a kind ("HelmRelease") or a component ('org.apache.spark.SomeService'), not an object of the
// homelab, whose names are lower case (Kubernetes, Proxmox storages) or hold separators.
const QUOTED_NAME = /^([([]?)(["'`])([\w.:/@~+\\-]+)\2([:,;.)\]}]*)$/;
const KIND_WORD = /^(?=[^A-Z]*[A-Z])[A-Za-z_][\w.]*$/;
// A path in someone's home (`/home/ada/homelab-missing/talos/patch.yaml`, `~/src/x`): where the
// checkout lives, not what failed. Other absolute paths stay: `/dev/sda`, `/var/run/x` are things.
const HOME_PATH = /^([([]?)(?:~|\/home\/[^/\s]+|\/Users\/[^/\s]+|\/root)(?:\/[\w.@~+\\-]*)+([:,;.)\]}]*)$/;
// What kubectl and flux write before `/name`: a resource type, not a namespace. A first segment with
// a dot is a type too (`deployments.apps`): namespaces are DNS labels and hold no dot. `ingress`
// alone is left out: it is a common namespace (`ingress/ingress-nginx`); `ingresses` is in.
const RESOURCE_TYPES = new Set([
  "ingresses",
  ...[
    "pod",
    "deployment",
    "statefulset",
    "daemonset",
    "replicaset",
    "service",
    "svc",
    "job",
    "cronjob",
    "configmap",
    "secret",
    "namespace",
    "node",
    "persistentvolumeclaim",
    "pvc",
    "pv",
    "serviceaccount",
    "role",
    "rolebinding",
    "clusterrole",
    "clusterrolebinding",
    "networkpolicy",
    "storageclass",
    "endpoints",
    "lease",
    "event",
    "customresourcedefinition",
    "crd",
    "certificate",
    "issuer",
    "clusterissuer",
    "helmrelease",
    "kustomization",
    "gitrepository",
    "helmrepository",
    "helmchart",
    "ocirepository",
    "bucket",
    "alert",
    "provider",
    "receiver",
  ].flatMap((type) => [type, type.endsWith("y") ? `${type.slice(0, -1)}ies` : `${type}s`, `${type}es`]),
]);
// `cert-manager@v1.16.2`: a chart or image at a version.
const NAME_AT_VERSION = /^([([]?)[a-z0-9][\w.-]*@v?\d[\w.+-]*([:,;)\]}]*)$/;

/**
 * `text[start, end)` whole as a variable, punctuation around it kept: a quoted name, a path in a
 * home folder, a namespace/name, a name at a version. `undefined` when it is none of these. The
 * first character decides which rule can apply, and the common namespace/name shape is checked
 * without making a string: most tokens with a slash or quote are none of these.
 */
export function maskNameToken(
  text: string,
  start: number,
  end: number,
  hasSlash: boolean,
  hasAt: boolean,
): string | undefined {
  let first = start;
  let c = text.charCodeAt(first);
  if (c === 40 || c === 91) {
    c = text.charCodeAt(++first); // ( [
  }
  if (c === 34 || c === 39 || c === 96) {
    let last = end - 1;
    while (last > first && ":,;.)]}".includes(text.charAt(last))) {
      last--;
    }
    if (last === first || text.charCodeAt(last) !== c) {
      return undefined; // `"GET`: a quote that the token does not close
    }
    const quoted = QUOTED_NAME.exec(text.slice(start, end));
    if (quoted === null) {
      return undefined;
    }
    const [, open = "", quote = "", inner = "", close = ""] = quoted;
    return KIND_WORD.test(inner) ? undefined : `${open}${quote}${WILDCARD}${quote}${close}`;
  }
  let match: RegExpExecArray | null = null;
  if (hasSlash && (c === 126 || (c === 47 && startsHomeFolder(text, first)))) {
    match = HOME_PATH.exec(text.slice(start, end)); // ~ /
  } else if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
    const close = hasSlash ? namespacedNameEnd(text, first, end) : -1;
    if (close >= 0) {
      // `pods/cilium-x2x7k`, `deployment.apps/cloudflared`: the kind before the name stays.
      const slash = text.indexOf("/", first);
      const kind = text.slice(first, slash);
      const keep = RESOURCE_TYPES.has(kind) || kind.includes(".") ? slash + 1 : first;
      return `${text.slice(start, keep)}${WILDCARD}${text.slice(close, end)}`;
    }
    if (hasAt) {
      match = NAME_AT_VERSION.exec(text.slice(start, end));
    }
  }
  return match === null ? undefined : `${match[1] ?? ""}${WILDCARD}${match[2] ?? ""}`;
}

function startsHomeFolder(text: string, at: number): boolean {
  return text.startsWith("/home/", at) || text.startsWith("/Users/", at) || text.startsWith("/root/", at);
}

/**
 * Where `cert-manager/cert-manager` (Kubernetes' lower-case names joined by `/`, the first of two
 * characters or more) ends in `text[from, end)`, before closing punctuation; -1 when it is not one.
 */
function namespacedNameEnd(text: string, from: number, end: number): number {
  let segment = 0; // characters in the current segment
  let segments = 1;
  let k = from;
  for (; k < end; k++) {
    const c = text.charCodeAt(k);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      segment++;
    } else if (c === 45 || c === 46) {
      if (segment === 0) {
        return -1; // - . may not start a segment
      }
      segment++;
    } else if (c === 47) {
      if (segment < (segments === 1 ? 2 : 1)) {
        return -1; // `i/o`, `a//b`
      }
      segments++;
      segment = 0;
    } else {
      break;
    }
  }
  if (segments < 2 || segment === 0) {
    return -1;
  }
  for (let t = k; t < end; t++) {
    if (!":,;.)]}".includes(text.charAt(t))) {
      return -1;
    }
  }
  // A trailing dot belongs to the sentence, not the name.
  while (k > from && text.charCodeAt(k - 1) === 46) {
    k--;
  }
  return k;
}

// `Fri Jun 17 07:07:00 2005`, `Jun 17 07:07:00`: the names change with the date, not the event.
export const CALENDAR_DATE =
  /\b(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* +\d{1,2},? +(?:\d{4} +)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: +\d{4})?\b/g;

/** Units that belong to the number before them: `18.4 KB`, `19.05 seconds`, `<1 sec`. */
const UNITS = new Set([
  "b",
  "kb",
  "mb",
  "gb",
  "tb",
  "kib",
  "mib",
  "gib",
  "tib",
  "bytes",
  "ms",
  "us",
  "ns",
  "s",
  "sec",
  "secs",
  "second",
  "seconds",
  "min",
  "mins",
  "minutes",
  "h",
  "hours",
  "%",
]);

/** What a masked token looks like, for folding runs of variables into one. */
export interface TokenShape {
  /** A variable and nothing else: `<*>`, `(<*>)`, `<*>,`. */
  pure: boolean;
  /** A bracketed aside holding a variable, `(24-54-76-216.bflony.adelphia.net)`, `(1.16 KB)`. */
  bracketed: boolean;
  /** An empty value in brackets, `()` or `[]`: the same variable with nothing in it. */
  emptyBrackets: boolean;
}

/** `text[start, end)` is a unit, in brackets or before punctuation or not: `(KB)`, `sec,`. */
export function isUnit(text: string, start: number, end: number): boolean {
  let from = start;
  let to = end;
  while (from < to && (text.charCodeAt(from) === 40 || text.charCodeAt(from) === 91)) {
    from++;
  }
  while (to > from && ")],.;:".includes(text.charAt(to - 1))) {
    to--;
  }
  return to > from && to - from <= 7 && UNITS.has(text.slice(from, to).toLowerCase());
}

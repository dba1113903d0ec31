/**
 * Deterministic masking of variable parts of one log message. This is the part of the
 * fingerprint that never depends on what a miner has learned, so it carries the stability
 * guarantee (DESIGN.md §4): the same message always masks to the same tokens.
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
const VARIABLE_KEY =
  /(?:^|[_.-])(?:id|uid|uuid|guid|pid|tid|port|ts|time|timestamp|date|revision|rev|generation|duration|elapsed|latency|took|attempt|attempts|retry|retries|count|seq|nonce|session|token|trace|span|reconcileid|requestid|lease|resourceversion)$|(?:id|uid|uuid|pid|port)$/i;

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const IPV6 = /(?:\[?)(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?:%\w+)?(?:\]?)(?::\d+)?/g;
const TEMP_PATH = /(?:\/private)?\/(?:tmp|var\/tmp|var\/folders|dev\/shm)\/[^\s'"`,;:)\]}>]*/g;
// Kubernetes pod names: <owner>-<replicaset hash>-<5 char suffix> or <owner>-<5 char suffix>.
const POD_SUFFIX =
  /\b([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(?:[a-z0-9]{5,10}-)?[bcdfghjklmnpqrstvwxz2-9]{5}\b/g;
const UPID = /UPID:[^\s'"]+/g;

/** A known digit word, or a lone name with a one-digit suffix (`SOCKS5`, `eth0`, `'vmbr0'`), names a thing. */
function keepsDigits(word: string, soleWord: boolean): boolean {
  return KEPT_DIGIT_WORDS.has(word.toLowerCase()) || (soleWord && NAME_WITH_DIGIT.test(word));
}

function alnumRuns(token: string): number {
  let runs = 0;
  let inRun = false;
  for (let k = 0; k < token.length; k++) {
    const alnum = isAlnum(token.charCodeAt(k));
    if (alnum && !inRun) {
      runs++;
    }
    inRun = alnum;
  }
  return runs;
}

const NAME_WITH_DIGIT = /^[A-Za-z]{2,}[0-9]$/;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Characters that glue parts of one variable value together (IP dots, port colon, version dots). */
function isConnector(code: number): boolean {
  // . : - _ / , +
  return (
    code === 46 || code === 58 || code === 45 || code === 95 || code === 47 || code === 44 || code === 43
  );
}

/**
 * Replace every alphanumeric word that contains a digit by the wildcard and fold runs of
 * wildcards joined only by connector characters (`10.0.0.1:50000`, `1.5s`, `-42`) into one.
 */
function maskDigitWords(token: string): string {
  const soleWord = alnumRuns(token) === 1;
  let out = "";
  let lastWildEnd = -1; // index in `out` just after the last wildcard emitted
  let i = 0;
  const n = token.length;
  while (i < n) {
    const code = token.charCodeAt(i);
    if (!isAlnum(code)) {
      let j = i + 1;
      while (j < n && !isAlnum(token.charCodeAt(j))) {
        j++;
      }
      out += token.slice(i, j);
      i = j;
      continue;
    }
    let j = i;
    let hasDigit = false;
    while (j < n) {
      const c = token.charCodeAt(j);
      if (!isAlnum(c)) {
        break;
      }
      if (isDigit(c)) {
        hasDigit = true;
      }
      j++;
    }
    const word = token.slice(i, j);
    if (hasDigit && !keepsDigits(word, soleWord)) {
      if (lastWildEnd >= 0 && onlyConnectors(out, lastWildEnd)) {
        out = out.slice(0, lastWildEnd);
      } else {
        // A sign glued to a number belongs to it: "-42" and "42" are the same variable.
        const last = out.charCodeAt(out.length - 1);
        if (
          (last === 45 || last === 43 || last === 60 || last === 62 || last === 126) &&
          !isAlnum(out.charCodeAt(out.length - 2))
        ) {
          out = out.slice(0, -1);
        }
        out += WILDCARD;
      }
      lastWildEnd = out.length;
    } else {
      out += word;
    }
    i = j;
  }
  return out;
}

function onlyConnectors(text: string, from: number): boolean {
  for (let k = from; k < text.length; k++) {
    if (!isConnector(text.charCodeAt(k))) {
      return false;
    }
  }
  return true;
}

/** Mask one whitespace-free token that needs more than the fast path. */
function maskToken(token: string): string {
  if (isNumberLike(token)) {
    return WILDCARD;
  }
  let t = token;
  const eq = t.indexOf("=");
  if (eq > 0 && eq < t.length - 1) {
    const key = t.slice(0, eq).replace(/^[^A-Za-z0-9_]+/, "");
    const value = t.slice(eq + 1);
    // The part before `=` can itself vary (`https://10.0.0.5:6443/api?timeout=`).
    const before = needsMasking(t.slice(0, eq)) ? maskToken(t.slice(0, eq)) : t.slice(0, eq);
    if (VARIABLE_KEY.test(key)) {
      const trail = /[,;)\]}]+$/.exec(value)?.[0] ?? "";
      return `${before}=${WILDCARD}${trail}`;
    }
    return `${before}=${maskToken(value)}`;
  }
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
  return maskDigitWords(t);
}

/**
 * Numbers, times, IPv4 addresses and versions (`-24.0`, `07:07:00`, `10.0.0.1:50000`) mask to one
 * wildcard; the general path gives the same answer, this one is only faster for the common case.
 */
function isNumberLike(token: string): boolean {
  const n = token.length;
  const first = token.charCodeAt(0);
  if (
    !isDigit(token.charCodeAt(n - 1)) ||
    !(isDigit(first) || ((first === 45 || first === 43) && isDigit(token.charCodeAt(1))))
  ) {
    return false;
  }
  for (let k = 1; k < n; k++) {
    const c = token.charCodeAt(k);
    if (!isDigit(c) && !isConnector(c)) {
      return false;
    }
  }
  return true;
}

/** True when a token can only change under masking (it has a digit, `=`, `/` or a `:` pair). */
function needsMasking(token: string): boolean {
  for (let k = 0; k < token.length; k++) {
    const c = token.charCodeAt(k);
    if (isDigit(c) || c === 61 /* = */ || c === 47 /* / */) {
      return true;
    }
  }
  return false;
}

// `Fri Jun 17 07:07:00 2005`, `Jun 17 07:07:00`: the names change with the date, not the event.
const CALENDAR_DATE =
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

const PURE_WILDCARD = /^[^A-Za-z0-9]*<\*>[^A-Za-z0-9]*$/;
// A bracketed aside holding a variable, `(24-54-76-216.bflony.adelphia.net)`, `(1.16 KB)`.
const BRACKETED_VARIABLE = /^[([].*<\*>.*[)\]][,;:.]?$/;
// An empty value in brackets, `()` or `[]`, is the same variable with nothing in it.
const EMPTY_BRACKETS = /^[()[\]{}"']+$/;

function isUnit(token: string): boolean {
  return UNITS.has(token.replace(/^[([]+|[)\],.;:]+$/g, "").toLowerCase());
}

/**
 * Variable parts whose token count varies (`1190 bytes (1.16 KB)`, `<1 sec` vs `00:01`) fold
 * into one wildcard: a masked token swallows a unit after it and the masked tokens that follow.
 */
function foldVariableRuns(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const previous = out[out.length - 1];
    if (
      previous !== undefined &&
      PURE_WILDCARD.test(previous) &&
      (PURE_WILDCARD.test(token) ||
        BRACKETED_VARIABLE.test(token) ||
        isUnit(token) ||
        EMPTY_BRACKETS.test(token))
    ) {
      out[out.length - 1] = WILDCARD;
      continue;
    }
    out.push(token);
  }
  return out;
}

/** Split on whitespace and mask each token; the result is the message's deterministic template. */
export function maskTokens(message: string): string[] {
  const text = message.includes(":") ? message.replace(CALENDAR_DATE, WILDCARD) : message;
  const tokens = splitAndMask(text);
  for (const token of tokens) {
    if (token.includes(WILDCARD)) {
      return foldVariableRuns(tokens);
    }
  }
  return tokens;
}

function splitAndMask(message: string): string[] {
  const tokens: string[] = [];
  const n = message.length;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    const start = i;
    while (i < n) {
      c = message.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        break;
      }
      i++;
    }
    const token = message.slice(start, i);
    tokens.push(needsMasking(token) ? maskToken(token) : token);
  }
  return tokens;
}

/** The deterministic template of one message: masked tokens joined by single spaces. */
export function maskMessage(message: string): string {
  return maskTokens(message).join(" ");
}

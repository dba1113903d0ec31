/**
 * Noise that changes between runs of the same failing command and carries no meaning:
 * terminal control, spinners and progress bars, Terraform's box frames, klog and timestamp
 * prefixes, volatile JSON log fields, Kubernetes event ages. `cleanLogLines` turns a raw
 * tail into the lines a person would read, in order, without the noise.
 */

/** Longer lines are cut: a minified blob or a base64 dump says nothing more after this. */
export const MAX_LINE_CHARS = 2000;

// CSI (colours, cursor moves), OSC (titles, hyperlinks) and the remaining two-byte escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes is the point
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// Control characters other than tab; binary garbage ends up here too.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]+/g;
const BRAILLE_SPINNER = /[\u2800-\u28ff]/g;
const LEADING_SPINNER = /^\s*[\u2800-\u28ff]+\s*/;
const OTHER_SPINNER = /^\s*[|/\\-]\s+(?=\S)/;
const PROGRESS_BAR = /\[[=#>. -]{6,}\]|\[?[=#>█▓▒░■□●○·.-]{6,}\]?|[█▓▒░■□]{2,}/g;
const PERCENT = /\b\d{1,3}(?:\.\d+)?\s?%/g;
// klog: E1125 17:02:11.123456   12345 file.go:123]
const KLOG_HEADER = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.-]+:\d+\]\s?/;
const ISO_TIMESTAMP =
  /\b\d{4}[-/]\d{2}[-/]\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?UTC)?)?\b/g;
const CLOCK_TIME = /\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;
const SYSLOG_PREFIX = /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} /;
// journald/syslog: `Apr 6 07:20:46 TaxiApps cloudflared[477]: ` names the host and pid, not the event.
const SYSLOG_HOST_PREFIX =
  /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2} \S+ [\w./@-]+(?:\[\d+\])?: /;
const DMESG_PREFIX = /^\[\s*\d+\.\d+\]\s?/;
const LEVEL_TIME_PREFIX = /^(?:time=|ts=)"?[^"\s]+"?\s+/;
// kubectl events: "8m7s (x33 over 3h55m)" and a leading age column.
const EVENT_AGE = /\s*\(x\d+ over [\dhms.]+\)/g;
// A `kubectl get` / `flux get` row starts with the object's namespace and name before its READY column.
const READY_ROW_NAMES = /^(?:[a-z0-9][\w./-]*[ \t]+){1,2}(?=(?:True|False|Unknown)[ \t])/;
const REVISION = /\b[\w./-]*@sha(?:1|256):[0-9a-f]{7,64}\b/g;
const TERRAFORM_FRAME = /^\s*[│╷╵]\s?/;

/** JSON log fields that differ on every run of the same failure. */
const VOLATILE_JSON_FIELDS = new Set([
  "ts",
  "time",
  "timestamp",
  "@timestamp",
  "date",
  "reconcileID",
  "reconcileId",
  "revision",
  "lastAppliedRevision",
  "lastAttemptedRevision",
  "caller",
  "stacktrace",
  "pid",
  "hostname",
  "elapsed",
  "duration",
  "attempt",
  "traceID",
  "spanID",
  "requestID",
]);

/**
 * JSON log fields that name the object a controller works on (`"name":"apps"`, `"Kustomization":
 * {"name":"apps","namespace":"flux-system"}`): the same failure of another object is the same error.
 */
const OBJECT_NAME_FIELDS = new Set(["name", "namespace", "request", "object"]);

function namesAnObject(key: string, value: unknown): boolean {
  if (OBJECT_NAME_FIELDS.has(key)) {
    return true;
  }
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).every((k) => k === "name" || k === "namespace")
  );
}

/** A JSON object log line rendered as `value value key=value`, volatile fields dropped, object names masked. */
function flattenJsonLine(line: string): string | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return undefined;
  }
  const parts: string[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (VOLATILE_JSON_FIELDS.has(key)) {
      continue;
    }
    if (namesAnObject(key, value)) {
      parts.push(`${key}=<*>`);
      continue;
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    parts.push(key === "msg" || key === "message" || key === "level" ? text : `${key}=${text}`);
  }
  return parts.join(" ");
}

/** What a terminal shows of one physical line: the last carriage-return overwrite, no escapes. */
function terminalText(raw: string): string {
  let line = raw.length > MAX_LINE_CHARS * 2 ? raw.slice(0, MAX_LINE_CHARS * 2) : raw;
  line = line.replace(ANSI, "").replace(/\r+$/, "");
  const cr = line.lastIndexOf("\r");
  if (cr >= 0) {
    line = line.slice(cr + 1);
  }
  return line
    .replace(CONTROL, " ")
    .replace(LEADING_SPINNER, "")
    .replace(BRAILLE_SPINNER, "")
    .replace(OTHER_SPINNER, "");
}

/**
 * One line as a person reads it, prefixes and volatile parts removed. Leading indentation is
 * kept as two spaces because it marks continuation lines (stack frames, wrapped details).
 */
export function cleanLine(raw: string): string {
  let line = terminalText(raw);
  const indented = /^\s/.test(line);
  line = flattenJsonLine(line) ?? line;
  line = line
    .replace(SYSLOG_HOST_PREFIX, "")
    .replace(READY_ROW_NAMES, "<*> ")
    .replace(KLOG_HEADER, "")
    .replace(DMESG_PREFIX, "")
    .replace(LEVEL_TIME_PREFIX, "")
    .replace(SYSLOG_PREFIX, "")
    .replace(ISO_TIMESTAMP, "")
    .replace(CLOCK_TIME, "")
    .replace(EVENT_AGE, "")
    .replace(REVISION, "<rev>")
    .replace(PROGRESS_BAR, "")
    .replace(PERCENT, "");
  line = line.replace(/[ \t]+/g, " ").trim();
  if (indented && line !== "") {
    line = `  ${line}`;
  }
  return line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line;
}

/**
 * Terraform draws diagnostics in a `╷ │ ╵` frame and wraps their text to the terminal width.
 * Inside a frame, unindented lines of one paragraph are joined, so the width does not matter.
 */
function unframeTerraform(lines: readonly string[]): string[] {
  const out: string[] = [];
  let inFrame = false;
  let paragraph: string | undefined;
  const flush = () => {
    if (paragraph !== undefined) {
      out.push(paragraph);
      paragraph = undefined;
    }
  };
  for (const line of lines) {
    const framed = TERRAFORM_FRAME.test(line);
    if (!framed) {
      flush();
      inFrame = false;
      out.push(line);
      continue;
    }
    const opener = /^\s*[╷╵]\s*$/.test(line);
    if (opener) {
      flush();
      inFrame = line.includes("╷");
      continue;
    }
    const body = line.replace(TERRAFORM_FRAME, "");
    if (!inFrame || body.trim() === "" || /^\s/.test(body)) {
      flush();
      if (body.trim() !== "") {
        out.push(body);
      }
      continue;
    }
    paragraph = paragraph === undefined ? body.trim() : `${paragraph} ${body.trim()}`;
  }
  flush();
  return out;
}

/** The tail's lines, cleaned, frames re-joined, blank lines dropped. */
export function cleanLogLines(tail: string): string[] {
  const physical = tail.split("\n");
  const framed = unframeTerraform(physical.map(terminalText));
  const out: string[] = [];
  for (const raw of framed) {
    const line = cleanLine(raw);
    if (line.trim() !== "") {
      out.push(line);
    }
  }
  return out;
}

/** Lines of the tail that are looked at; the adapter reads this many from the end of the file. */
export const TAIL_LINES = 200;

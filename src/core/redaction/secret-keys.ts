import { readRestOfLine, readWord, type ValueSpan } from "./values.ts";

type Groups = Record<string, string | undefined>;

/** Values that name no secret: empty markers, templates, variables, tools' own redaction marks. */
const NOT_A_SECRET =
  /^(?:true|false|yes|no|on|off|null|nil|none|undefined|redacted|required|optional|\*+|x+|\.+|<[^>\n]*>|\$\{[^}\n]*\}|\{\{[^}\n]{0,200}\}\}|%\([^)\n]*\)s|data\+omitted|[|>][-+0-9]{0,3}|\d{1,6}|\d+ bytes)$/i;
/**
 * A shell or compose variable (`$DB_PASSWORD`) names a secret without holding it. Only upper-case
 * names count: `$ecret-Passw0rd` or `$2y$10$...` is a value that starts with a dollar sign.
 */
const VARIABLE_REFERENCE = /^\$[A-Z_][A-Z0-9_]*$/;

export function isSecretValue(value: string): boolean {
  const trimmed = value.trim();
  return (
    trimmed.length > 0 &&
    !NOT_A_SECRET.test(trimmed) &&
    !VARIABLE_REFERENCE.test(trimmed) &&
    !value.includes("[REDACTED:")
  );
}

/** The words that make a key name a secret's name. */
const SECRET_KEY_WORDS = [
  "password",
  "passwd",
  "passphrase",
  "passcode",
  "pwd",
  "secret",
  "token",
  "api[_-]?key",
  "apikey",
  "access[_-]?key",
  "account[_-]?key",
  "private[_-]?key",
  "preshared[_-]?key",
  "secret[_-]?key(?:[_-]?base)?",
  "auth[_-]?key",
  "encryption[_-]?key",
  "signing[_-]?key",
  "master[_-]?key",
  "client[_-]?key",
  "certificate[_-]?key",
  "credentials?",
  "[_.-]pass",
  "[_.-]pw",
  "[_.-]key",
].join("|");
/** A key that is the bare word (`pass = x` in INI, Docker's `"auth": "..."`). */
const BARE_SECRET_KEYS = "pass|pw|auth|psk";
export const SECRET_KEY = `(?:[A-Za-z0-9_.-]{0,48}?(?:${SECRET_KEY_WORDS})|${BARE_SECRET_KEYS})`;

export function assignmentKind(groups: Groups): string {
  const key = groups["key"] ?? "";
  if (/pve|proxmox|pm_api/i.test(key)) {
    return "pve-token";
  }
  if (/tunnel/i.test(key)) {
    return "cloudflare-tunnel-token";
  }
  if (/pass|pwd|pw$|psk/i.test(key)) {
    return "password";
  }
  if (/token/i.test(key)) {
    return "token";
  }
  if (/key/i.test(key)) {
    return "api-key";
  }
  return "secret";
}

/** [A-Za-z0-9_.-] */
function isKeyChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 46 ||
    code === 45
  );
}
/** Cheap first look before the exact key test: every secret key name holds one of these. */
const SECRET_KEY_HINT = /pass|pw|secret|token|key|cred|auth|psk/i;
/** A key may not run on from these: `*v1.Secret: failed` and `path/secret: x` are prose, not keys. */
const NOT_BEFORE_KEY = /[A-Za-z0-9_.*/-]/;
const SECRET_KEY_END = new RegExp(`^(?:${SECRET_KEY})$`, "i");
const MAX_KEY_LENGTH = 80;

/**
 * The value of `key <sep> value` when the separator at `sepAt` (`:`, `=`, `:=`, `=>`) follows a
 * secret's key name. Walks back over spaces, a closing quote and the key, then forward over the
 * value: `key: value` and `key = value` read the rest of the line (YAML, headers, INI),
 * `key=value` one word (stopping at `&` in a query string). Sets `groups.key` for the kind.
 */
export function secretAssignment(
  text: string,
  pos: number,
  groups: Groups,
  sepAt: number,
): ValueSpan | undefined {
  let sepEnd = pos;
  if (text[sepAt] === ":" && text[sepEnd] === "=") {
    sepEnd++; // :=
  } else if (text[sepAt] === "=" && text[sepEnd] === ">") {
    sepEnd++; // =>
  } else if (text[sepAt] === "=" && text[sepAt - 1] === ":") {
    return undefined; // the = of a := seen from its :
  }
  let i = sepAt - 1;
  let lead = 0;
  while (i >= 0 && (text[i] === " " || text[i] === "\t") && lead < 8) {
    i--;
    lead++;
  }
  const quote = text[i] === '"' || text[i] === "'" ? text[i] : "";
  if (quote) {
    i--;
  }
  const keyEnd = i + 1;
  while (i >= 0 && keyEnd - i <= MAX_KEY_LENGTH && isKeyChar(text.charCodeAt(i))) {
    i--;
  }
  let keyStart = i + 1;
  if (keyStart === keyEnd || keyEnd - keyStart > MAX_KEY_LENGTH) {
    return undefined;
  }
  if (quote) {
    if (text[keyStart - 1] !== quote) {
      return undefined;
    }
    keyStart--;
  }
  const before = text[keyStart - 1];
  const diffMarker = before === "-" && (keyStart - 2 < 0 || text[keyStart - 2] === "\n");
  if (before !== undefined && NOT_BEFORE_KEY.test(before) && !diffMarker) {
    return undefined;
  }
  const key = text.slice(quote ? keyStart + 1 : keyStart, keyEnd);
  if (!SECRET_KEY_HINT.test(key) || !SECRET_KEY_END.test(key)) {
    return undefined;
  }
  let start = sepEnd;
  let gap = 0;
  while ((text[start] === " " || text[start] === "\t") && gap < 8) {
    start++;
    gap++;
  }
  if (start >= text.length || text[start] === "\n" || text[start] === " " || text[start] === "\t") {
    return undefined;
  }
  if (
    /^(?:auth|pw|psk)$/i.test(key) &&
    /^[A-Za-z]{1,12}\)?$/.test(text.slice(start, start + 14).split(/[\s,;"']/)[0] ?? "")
  ) {
    return undefined; // `(auth:SIMPLE)`, `auth: none`: a bare word names a method, not a secret
  }
  groups["key"] = key;
  const spaced = (text[sepAt] === ":" && gap > 0 && sepEnd === pos) || (lead > 0 && gap > 0);
  if (spaced) {
    return readRestOfLine(text, start);
  }
  return readWord(text, start, before === "?" || before === "&" || before === ";");
}

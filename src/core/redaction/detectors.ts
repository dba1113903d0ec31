import { looksRandom } from "./entropy.ts";

/**
 * One kind of secret. `pattern` is global; its match is exactly the named groups
 * `pre` + `secret` + `post` (pre and post optional), so only `secret` is replaced and the
 * context around it stays readable (`PVEAPIToken=ci@pve!diag=[REDACTED:pve-token#1]`).
 */
export interface Detector {
  kind: string | ((groups: Record<string, string | undefined>) => string);
  pattern: RegExp;
  /** Extra judgement on a match; a rejected match is left as it is. */
  accept?: (secret: string) => boolean;
}

/** Values that name no secret: empty markers, templates, tools' own redaction marks. */
const NOT_A_SECRET =
  /^(?:true|false|null|nil|none|undefined|redacted|\*+|x+|<[^>]*>|\$\S*|\{\{.*\}\}|data\+omitted|\[REDACTED:.*|\d{1,6})$/i;

function isSecretValue(value: string): boolean {
  return value.length > 0 && !NOT_A_SECRET.test(value) && !value.includes("[REDACTED:");
}

const B64 = "[A-Za-z0-9+/]";

function assignmentKind(groups: Record<string, string | undefined>): string {
  const key = groups["key"] ?? "";
  if (/pve|proxmox|pm_api/i.test(key)) {
    return "pve-token";
  }
  if (/tunnel/i.test(key)) {
    return "cloudflare-tunnel-token";
  }
  if (/pass|pwd/i.test(key)) {
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

/** In order: a later detector never sees what an earlier one replaced. Specific kinds come first. */
export const DETECTORS: readonly Detector[] = [
  {
    kind: "private-key",
    pattern:
      /(?<pre>-----BEGIN (?<label>[A-Z0-9 ]*PRIVATE KEY)-----)(?<secret>[\s\S]*?)(?<post>-----END \k<label>-----)/g,
  },
  // A block cut in half by an output cap or a log tail: the base64 lines before the end or after the start.
  {
    kind: "private-key",
    pattern: /(?<pre>-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)(?<secret>(?:\r?\n[ \t]*[A-Za-z0-9+/=]+)+)/g,
  },
  {
    kind: "private-key",
    pattern: /(?<secret>(?:[A-Za-z0-9+/=]{16,}\r?\n[ \t]*)+)(?<post>-----END [A-Z0-9 ]*PRIVATE KEY-----)/g,
  },
  {
    kind: "certificate",
    pattern:
      /(?<pre>-----BEGIN (?<label>CERTIFICATE|TRUSTED CERTIFICATE|CERTIFICATE REQUEST)-----)(?<secret>[\s\S]*?)(?<post>-----END \k<label>-----)/g,
  },
  { kind: "anthropic-key", pattern: /(?<secret>\bsk-ant-[A-Za-z0-9_-]{20,})/g },
  { kind: "openai-key", pattern: /(?<secret>\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})/g },
  {
    kind: "github-token",
    pattern: /(?<secret>\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))/g,
  },
  { kind: "aws-access-key", pattern: /(?<secret>\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g },
  { kind: "age-secret-key", pattern: /(?<secret>AGE-SECRET-KEY-1[0-9A-Za-z]{50,})/g },
  {
    kind: "pve-token",
    pattern: /(?<pre>PVEAPIToken[= ][^\s=!@"']+@[^\s=!"']+![^\s="']+=)(?<secret>[^\s"',;]+)/g,
    accept: isSecretValue,
  },
  { kind: "pve-ticket", pattern: /(?<pre>PVEAuthCookie=)(?<secret>[^\s;"']+)/g, accept: isSecretValue },
  // base64 of {"a":"<account>","t":"<tunnel id>","s":"<secret>"}
  { kind: "cloudflare-tunnel-token", pattern: /(?<secret>\beyJhIjo[A-Za-z0-9+/_-]{40,}={0,2})/g },
  { kind: "jwt", pattern: /(?<secret>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g },
  {
    kind: "authorization",
    pattern: /(?<pre>\bAuthorization["']?[ \t]*[:=][ \t]*["']?(?:[A-Za-z]+[ \t]+)?)(?<secret>[^\s"',]{6,})/gi,
    accept: isSecretValue,
  },
  {
    kind: "bearer-token",
    pattern: /(?<pre>\bBearer[ \t]+)(?<secret>[A-Za-z0-9._~+/=-]{16,})/gi,
    accept: (secret) => /\d/.test(secret) && isSecretValue(secret),
  },
  {
    kind: "url-password",
    pattern: /(?<pre>\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@"'<>]+:)(?<secret>[^\s@/"'<>]+)(?<post>@)/g,
    accept: isSecretValue,
  },
  {
    kind: (groups) => (groups["key"] === "client-key-data" ? "kubeconfig-key" : "kubeconfig-cert"),
    pattern:
      /(?<pre>\b(?<key>client-key-data|client-certificate-data|certificate-authority-data)["']?[ \t]*:[ \t]*["']?)(?<secret>[A-Za-z0-9+/=]{8,})/g,
    accept: isSecretValue,
  },
  {
    // talosconfig contexts and machine configs: `ca:`, `crt:`, `key:` hold base64 PEM.
    kind: (groups) => {
      const key = groups["key"] ?? "";
      const prefix = key.startsWith("tls.") || key === "ca.crt" ? "tls" : "talos";
      return key.endsWith("key") ? `${prefix}-key` : `${prefix}-cert`;
    },
    pattern: new RegExp(
      `(?<pre>(?<![A-Za-z0-9_.-])["']?(?<key>key|crt|ca|cert|ca\\.crt|tls\\.key|tls\\.crt)["']?[ \\t]*:[ \\t]*["']?)(?<secret>${B64}{16,}={0,2})(?![A-Za-z0-9+/=.])`,
      "g",
    ),
  },
  { kind: "pem-base64", pattern: /(?<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2})/g },
  {
    kind: "bootstrap-token",
    pattern: /(?<![A-Za-z0-9.])(?<secret>[a-z0-9]{6}\.[a-z0-9]{16})(?!\.?[A-Za-z0-9])/g,
    accept: (secret) => /\d/.test(secret) && /[a-z]/.test(secret),
  },
  {
    // --token abc, --password=abc
    kind: assignmentKind,
    pattern:
      /(?<pre>(?<![^\s])--?(?<key>[a-z0-9-]*(?:password|passwd|token|secret|api-key))(?:=|[ \t]+)["']?)(?<secret>[^\s"']+)/gi,
    accept: isSecretValue,
  },
  {
    // KEY=value, key: value, "key": "value", ?api_key=value. Not after a dot or star: `*v1.Secret: failed` is Go prose.
    kind: assignmentKind,
    pattern:
      /(?<pre>(?<![A-Za-z0-9_.*/-])["']?(?<key>[A-Za-z0-9_-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|secret[_-]?key|auth[_-]?key|encryption[_-]?key|credentials?|[_.-]key))["']?[ \t]*[:=][ \t]*["']?)(?<secret>[^\s"'&,;<>{}[\]]+)/gi,
    accept: isSecretValue,
  },
  {
    kind: "high-entropy",
    pattern: /(?<![A-Za-z0-9+/_-])(?<secret>[A-Za-z0-9+/_-]{32,}={0,2})(?![A-Za-z0-9+/=_-])/g,
    accept: looksRandom,
  },
];

import { looksRandom } from "./entropy.ts";
import { assignmentKind, isSecretValue, SECRET_KEY, secretAssignment } from "./secret-keys.ts";
import { readRestOfLine, readUrlPassword, readWord, type ValueSpan } from "./values.ts";

export { isSecretValue, SECRET_KEY } from "./secret-keys.ts";

type Groups = Record<string, string | undefined>;

/**
 * One kind of secret. `pattern` is global and finds where a secret is; the secret is either the
 * named group `secret` of the match, or — when `value` is given — read by `value` starting right
 * after the match (so the match itself is only the context: a key, a flag, a scheme).
 *
 * Every pattern is written to run in linear time on V8's backtracking engine: each unbounded
 * run is either the last thing in the pattern or followed by a character its class excludes,
 * every run that could start anywhere is preceded by a lookbehind for its own class (one start
 * per run, not one per character), and key names are bounded (`{0,48}`). The redactor also
 * never hands a pattern more than one bounded chunk of whole lines (see redactor.ts).
 */
export interface Detector {
  kind: string | ((groups: Groups) => string);
  pattern: RegExp;
  value?: (text: string, pos: number, groups: Groups, matchStart: number) => ValueSpan | undefined;
  /**
   * The match must start a word of a command line: after white space, at the start, or after a
   * diff's +/- at the start of a line. Checked in code, so the pattern can start with a literal.
   */
  tokenStart?: boolean;
  /**
   * Text every match contains. A chunk without it skips the pattern: a string search is far
   * cheaper than a regex scan, and most chunks name no vendor's token at all.
   */
  hint?: string | RegExp;
  /** Extra judgement on a secret; a rejected one is left as it is. */
  accept?: (secret: string) => boolean;
}

const word = (text: string, pos: number) => readWord(text, pos, false);

/** In order: a later detector never sees what an earlier one replaced. Specific kinds come first. */
export const DETECTORS: readonly Detector[] = [
  // PEM on one line (JSON strings carry them with literal \n): the body up to END or the line's end.
  {
    hint: "-----BEGIN ",
    kind: (groups) => (/PRIVATE/.test(groups["label"] ?? "") ? "private-key" : "certificate"),
    pattern:
      /(?<pre>-----BEGIN (?<label>[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?|CERTIFICATE|TRUSTED CERTIFICATE|CERTIFICATE REQUEST)-----)(?<secret>[A-Za-z0-9+/=\\ \t:,.]+)/g,
  },
  { kind: "anthropic-key", hint: "sk-ant-", pattern: /(?<secret>\bsk-ant-[A-Za-z0-9_-]{20,})/g },
  {
    kind: "openai-key",
    hint: "sk-",
    pattern: /(?<secret>\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})/g,
  },
  {
    kind: "github-token",
    hint: /gh[pousr]_|github_pat_/,
    pattern: /(?<secret>\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))/g,
  },
  {
    kind: "gitlab-token",
    hint: /gl(?:pat|dt|rt|ptt|cbt|imt|oas|soat)-/,
    pattern: /(?<secret>\bgl(?:pat|dt|rt|ptt|cbt|imt|oas|soat)-[A-Za-z0-9_-]{20,})/g,
  },
  { kind: "slack-token", hint: "xox", pattern: /(?<secret>\bxox[abposr]-[A-Za-z0-9-]{10,})/g },
  {
    kind: "webhook-url",
    hint: /hooks\.slack\.com|discord(?:app)?\.com/,
    pattern:
      /(?<pre>\bhttps:\/\/(?:hooks\.slack\.com\/services|(?:discord|discordapp)\.com\/api\/webhooks)\/)(?<secret>[A-Za-z0-9_/-]{10,})/g,
  },
  {
    kind: "stripe-key",
    hint: /k_(?:live|test)_/,
    pattern: /(?<secret>\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,})/g,
  },
  { kind: "google-api-key", hint: "AIza", pattern: /(?<secret>\bAIza[A-Za-z0-9_-]{35})/g },
  { kind: "sendgrid-key", hint: "SG.", pattern: /(?<secret>\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})/g },
  { kind: "npm-token", hint: "npm_", pattern: /(?<secret>\bnpm_[A-Za-z0-9]{36})/g },
  { kind: "pypi-token", hint: "pypi-", pattern: /(?<secret>\bpypi-[A-Za-z0-9_-]{50,})/g },
  { kind: "huggingface-token", hint: "hf_", pattern: /(?<secret>\bhf_[A-Za-z0-9]{30,})/g },
  { kind: "digitalocean-token", hint: "_v1_", pattern: /(?<secret>\bdo[por]_v1_[a-f0-9]{64})/g },
  { kind: "tailscale-key", hint: "tskey-", pattern: /(?<secret>\btskey-[a-z]+-[A-Za-z0-9-]{10,})/g },
  { kind: "vault-token", hint: /hv[sbr]\./, pattern: /(?<secret>\bhv[sbr]\.[A-Za-z0-9_-]{24,})/g },
  { kind: "grafana-token", hint: /glsa_|glc_/, pattern: /(?<secret>\b(?:glsa|glc)_[A-Za-z0-9_=-]{24,})/g },
  {
    kind: "doppler-token",
    hint: "dp.",
    pattern: /(?<secret>\bdp\.(?:st|ct|pt|sa|scim|audit)\.[A-Za-z0-9_.-]{20,})/g,
  },
  { kind: "shopify-token", hint: "shp", pattern: /(?<secret>\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})/g },
  { kind: "telegram-bot-token", hint: ":AA", pattern: /(?<secret>\d{8,10}:AA[A-Za-z0-9_-]{33})/g },
  {
    kind: "aws-access-key",
    hint: /AKIA|ASIA|ABIA|ACCA/,
    pattern: /(?<secret>\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g,
  },
  {
    kind: "age-secret-key",
    hint: "AGE-SECRET-KEY-1",
    pattern: /(?<secret>AGE-SECRET-KEY-1[0-9A-Za-z]{50,})/g,
  },
  {
    kind: "password-hash",
    hint: "$",
    pattern: /(?<secret>\$(?:2[abxy]?|apr1|1|5|6|y|argon2i?d?)\$[A-Za-z0-9./$=,+-]{20,})/g,
  },
  {
    hint: "PVEAPIToken",
    kind: "pve-token",
    pattern: /(?<pre>PVEAPIToken[= ][^\s=!@"']{1,64}@[^\s=!"']{1,64}![^\s="']{1,64}=)(?<secret>[^\s"',;]+)/g,
    accept: isSecretValue,
  },
  {
    hint: "PVEAuthCookie=",
    kind: "pve-ticket",
    pattern: /(?<pre>PVEAuthCookie=)(?<secret>[^\s;"']+)/g,
    accept: isSecretValue,
  },
  {
    hint: "PVE:",
    kind: "pve-ticket",
    pattern: /(?<secret>\bPVE:[^\s:]{1,64}:[0-9A-F]{8}::[A-Za-z0-9+/=]{40,})/g,
  },
  // /etc/pve/priv/token.cfg: `user@realm!tokenid <uuid>`.
  {
    hint: "!",
    kind: "pve-token",
    pattern:
      /(?<pre>@[A-Za-z0-9_.-]{1,32}![A-Za-z][A-Za-z0-9_.-]{0,63}[ \t]+)(?<secret>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/g,
  },
  // `pveum user token add` and `pvesh create .../token/<id>` print the secret in a table row or a JSON `value`.
  {
    hint: "value",
    kind: "pve-token",
    pattern: /(?<pre>[│|][ \t]{0,8}value[ \t]{0,64}[│|][ \t]{0,8})(?<secret>[^\s│|]+)/g,
    accept: isSecretValue,
  },
  // base64 of {"a":"<account>","t":"<tunnel id>","s":"<secret>"}
  {
    kind: "cloudflare-tunnel-token",
    hint: "eyJhIjo",
    pattern: /(?<secret>\beyJhIjo[A-Za-z0-9+/_-]{40,}={0,2})/g,
  },
  {
    kind: "jwt",
    hint: "eyJ",
    pattern: /(?<secret>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})/g,
  },
  {
    // HTTP headers that carry credentials; the scheme word (Basic, Bearer, Token) stays readable.
    hint: /authorization/i,
    kind: "authorization",
    pattern:
      /(?<pre>(?<![A-Za-z0-9_-])(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?(?:(?:Basic|Bearer|Token|Digest|Negotiate|PVEAPIToken|ApiKey|SSWS)[ \t]+)?)/gi,
    value: (text, pos) => readRestOfLine(text, pos),
    accept: (secret) => isSecretValue(secret) && secret.length >= 6,
  },
  {
    hint: /x-api-key|x-auth-token|x-vault-token|private-token|x-gitlab-token|csrfpreventiontoken|cookie/i,
    kind: "authorization",
    pattern:
      /(?<pre>(?<![A-Za-z0-9_-])(?:x-api-key|x-auth-token|x-vault-token|private-token|x-gitlab-token|csrfpreventiontoken|set-cookie|cookie)[ \t]*:[ \t]*)/gi,
    value: (text, pos) => readRestOfLine(text, pos),
    accept: isSecretValue,
  },
  {
    kind: "bearer-token",
    hint: /bearer/i,
    pattern: /(?<pre>\bBearer[ \t]+)(?<secret>[A-Za-z0-9._~+/=-]{16,})/gi,
    accept: (secret) => /\d/.test(secret) && isSecretValue(secret),
  },
  {
    // scheme://user:password@host — also an empty user (redis://:pw@host) and a password with @ or :.
    kind: "url-password",
    hint: "://",
    pattern: /:\/\//g,
    value: (text, pos) => readUrlPassword(text, pos),
    accept: isSecretValue,
  },
  {
    hint: "-data",
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
    pattern:
      /(?<pre>(?:^|\n-|[^A-Za-z0-9_.-])["']?(?<key>key|crt|ca|cert|ca\.crt|tls\.key|tls\.crt)["']?[ \t]*:[ \t]*["']?)(?<secret>[A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=.])/g,
  },
  { kind: "pem-base64", hint: "LS0tLS1CRUdJTi", pattern: /(?<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]*={0,2})/g },
  {
    // Found from its dot (rarer than letters), then checked six characters back.
    kind: "bootstrap-token",
    hint: ".",
    pattern: /\.[a-z0-9]{16}(?!\.?[A-Za-z0-9])/g,
    value: (text, _pos, _groups, dotAt) => {
      const start = dotAt - 6;
      if (
        start < 0 ||
        !/^[a-z0-9]{6}$/.test(text.slice(start, dotAt)) ||
        /[A-Za-z0-9.]/.test(text[start - 1] ?? "")
      ) {
        return undefined;
      }
      return { start, end: dotAt + 17 };
    },
    accept: (secret) => /\d/.test(secret) && /[a-z]/.test(secret),
  },
  // curl -u user:pw, --user=user:pw (the user stays readable).
  {
    hint: /-u|--user|--proxy-user/,
    kind: "password",
    pattern: /(?<pre>(?:-u|--user|--proxy-user)(?:=|[ \t]{0,8})["']?[^\s:"']{0,64}:)(?<secret>[^\s"']+)/g,
    tokenStart: true,
    accept: isSecretValue,
  },
  // redis.conf: the value follows the word after white space only.
  {
    hint: /requirepass|masterauth/,
    kind: "password",
    pattern: /(?<pre>(?:requirepass|masterauth)[ \t]+)(?=\S)/g,
    tokenStart: true,
    value: word,
    accept: isSecretValue,
  },
  // kubectl create secret ... --from-literal=KEY=VALUE: every literal is a secret's value.
  {
    hint: "--from-literal",
    kind: "secret",
    pattern: /(?<pre>--from-literal[= ][^\s=]{1,128}=)/g,
    value: word,
    accept: isSecretValue,
  },
  // Everything after stringData (or a Secret's data) on the same line: YAML flow style, JSON, or
  // lines joined into one (ai/issues.txt joins error lines with " | ").
  {
    hint: "stringData",
    kind: "secret",
    pattern: /(?<pre>\bstringData["']?[ \t]*:[ \t]*)/g,
    value: (text, pos) => readRestOfLine(text, pos),
    accept: isSecretValue,
  },
  // <password>x</password>, <add key="DbPassword" value="x"/>
  {
    kind: assignmentKind,
    pattern: new RegExp(`(?<pre><(?<key>${SECRET_KEY})(?:[ \\t][^>\\n]{0,200})?>)(?<secret>[^<\\n]+)`, "gi"),
    accept: isSecretValue,
  },
  {
    kind: assignmentKind,
    pattern: new RegExp(
      `(?<pre>\\b(?:key|name)=["'](?<key>${SECRET_KEY})["'][ \\t]+value=["'])(?<secret>[^"'\\n]+)`,
      "gi",
    ),
    accept: isSecretValue,
  },
  {
    // --token abc, --password=abc, --certificate-key abc
    kind: assignmentKind,
    pattern:
      /(?<pre>(?:^|\s|\n[+-])--?(?<key>[a-z0-9-]{0,40}?(?:password|passwd|pass|passphrase|token|secret|api-?key|access-key|secret-key|auth-key|certificate-key|client-secret))(?:=|[ \t]+))(?=[^\s-])/gi,
    value: word,
    accept: isSecretValue,
  },
  {
    // KEY=value, key: value, "key": "value", key => 'value', ?api_key=value: found from the
    // separator backwards (see secretAssignment), so ordinary words cost nothing.
    kind: assignmentKind,
    pattern: /[:=]/g,
    value: secretAssignment,
    accept: isSecretValue,
  },
  {
    kind: "high-entropy",
    pattern: /(?<pre>^|[^A-Za-z0-9+/_-])(?<secret>[A-Za-z0-9+/_-]{32,}={0,2})/g,
    accept: looksRandom,
  },
];

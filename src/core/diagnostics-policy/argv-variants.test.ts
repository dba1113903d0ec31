import { describe, expect, it } from "vitest";
import { checkDiagnostic } from "./index.ts";
import { TALOS_SENSITIVE_TYPES } from "./talos-sensitive-types.ts";

// A property test with a small seeded generator: each dangerous diagnostic is written in many
// ways a model (or an attacker steering it) could write it — flag case, `_` for `-`,
// `--flag=value` or `--flag value`, the flag before or after the verb, repeated, the value
// first harmless then dangerous, and every token quoted one of four ways — and none of the
// variants may be allowed. A control set built the same way from harmless commands must stay
// allowed, so the generator is known to write commands the splitter and parser read.

const EVERYTHING = ["talosctl", "kubectl", "flux", "cilium", "cloudflared", "dig", "curl"];
const VARIANTS_PER_CASE = 60;

function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    return (state >>> 0) / 2 ** 32;
  };
}

type Pick = <T>(items: readonly T[]) => T;

/** One dangerous (or, for the control, harmless) option: a long or short flag and its value. */
interface Option {
  flag: string;
  value?: string;
  /** A harmless value of the same flag, to repeat it with (`-o wide` before `-o jsonpath-file=`). */
  harmless?: string;
}

interface Case {
  tool: string;
  verb: string[];
  option?: Option;
  /** Positional words after the verb (a URL, a resource type). */
  operands?: string[];
}

function spellFlag(flag: string, pick: Pick): string {
  if (!flag.startsWith("--")) {
    return flag;
  }
  return pick([
    flag,
    flag,
    flag.toUpperCase(),
    `--${flag.slice(2, 3).toUpperCase()}${flag.slice(3)}`,
    flag.replaceAll("-", "_").replace(/^__/, "--"),
  ]);
}

function optionTokens(option: Option, pick: Pick): string[] {
  const flag = spellFlag(option.flag, pick);
  if (option.value === undefined) {
    return [flag];
  }
  const canAttach = flag.startsWith("--") || flag === "-o";
  return canAttach && pick([true, false]) ? [`${flag}=${option.value}`] : [flag, option.value];
}

function quote(token: string, pick: Pick): string {
  const plainSafe = /^[A-Za-z0-9_./:=,@%+-]+$/.test(token);
  const style = pick(
    plainSafe ? ["plain", "plain", "double", "single", "split"] : ["double", "single", "split"],
  );
  if (style === "plain") {
    return token;
  }
  if (style === "double" && !/["\\$`]/.test(token)) {
    return `"${token}"`;
  }
  if (style === "split" && token.length > 2 && !token.includes("'")) {
    const cut = 1 + Math.floor(token.length / 2);
    return `'${token.slice(0, cut)}''${token.slice(cut)}'`;
  }
  return token.includes("'") ? `"${token}"` : `'${token}'`;
}

function variant(c: Case, pick: Pick): string {
  const tokens = [c.tool];
  const option = c.option ? optionTokens(c.option, pick) : [];
  const harmlessValue = c.option?.harmless;
  const repeat = harmlessValue !== undefined && pick([true, false]);
  const harmless =
    repeat && c.option ? optionTokens({ flag: c.option.flag, value: harmlessValue }, pick) : [];
  const place = pick(["before", "after", "end"]);
  if (place === "before") {
    tokens.push(...harmless, ...option, ...c.verb, ...(c.operands ?? []));
  } else if (place === "after") {
    tokens.push(...c.verb, ...option, ...harmless, ...(c.operands ?? []));
  } else {
    tokens.push(...c.verb, ...(c.operands ?? []), ...harmless, ...option);
  }
  if (c.option && pick([false, false, true])) {
    tokens.push(...option); // the same dangerous flag twice
  }
  return tokens.map((token, i) => (i === 0 ? token : quote(token, pick))).join(" ");
}

const KUBE_CREDENTIAL_FLAGS: Option[] = [
  { flag: "--kubeconfig", value: "/root/.kube/config" },
  { flag: "--context", value: "other" },
  { flag: "--cluster", value: "prod" },
  { flag: "--server", value: "https://10.9.9.9:6443" },
  { flag: "--token", value: "abc" },
  { flag: "--as", value: "system:admin" },
  { flag: "--as-group", value: "system:masters" },
  { flag: "--as-uid", value: "0" },
  { flag: "--user", value: "admin" },
  { flag: "--username", value: "admin" },
  { flag: "--password", value: "pw" },
  { flag: "--certificate-authority", value: "/tmp/ca.crt" },
  { flag: "--client-certificate", value: "/tmp/c.crt" },
  { flag: "--client-key", value: "/tmp/c.key" },
  { flag: "--insecure-skip-tls-verify" },
  { flag: "--kuberc", value: "/tmp/kuberc" },
];

const DANGEROUS: Case[] = [
  ...KUBE_CREDENTIAL_FLAGS.map((option) => ({ tool: "kubectl", verb: ["get"], operands: ["pods"], option })),
  ...KUBE_CREDENTIAL_FLAGS.map((option) => ({ tool: "flux", verb: ["get"], operands: ["ks"], option })),
  ...KUBE_CREDENTIAL_FLAGS.map((option) => ({ tool: "cilium", verb: ["status"], option })),
  ...["--talosconfig", "--context", "--cluster", "--siderov1-keys-dir"].map((flag) => ({
    tool: "talosctl",
    verb: ["get"],
    operands: ["members"],
    option: { flag, value: "/tmp/x" },
  })),
  ...["--origincert", "--token", "--token-file", "--cred-file", "--credentials-file", "--config"].map(
    (flag) => ({
      tool: "cloudflared",
      verb: ["tunnel", "info"],
      operands: ["lab"],
      option: { flag, value: "/root/.cloudflared/cert.pem" },
    }),
  ),
  ...[
    "go-template-file=/etc/passwd",
    "jsonpath-file=/etc/passwd",
    "custom-columns-file=/etc/passwd",
    "templatefile",
  ].map((value) => ({
    tool: "kubectl",
    verb: ["get"],
    operands: ["pods"],
    option: { flag: "-o", value, harmless: "wide" },
  })),
  ...["--output"].map((flag) => ({
    tool: "kubectl",
    verb: ["get"],
    operands: ["pods"],
    option: { flag, value: "jsonpath-file=/etc/passwd", harmless: "yaml" },
  })),
  ...[
    "/api/v1/namespaces/default/secrets#x",
    "/api/v1/namespaces/default/secrets?limit=1",
    "/api/v1/namespaces/default/pods/../secrets",
    "/api/v1/namespaces/default/./secrets",
    "//api/v1//secrets",
    "/api/v1/Secrets",
    "/api/v1/namespaces/default/secrets;x",
  ].map((value) => ({
    tool: "kubectl",
    verb: ["get"],
    option: { flag: "--raw", value, harmless: "/readyz" },
  })),
  ...["secrets", "Secret", "SECRETS", "secret/x", "secrets.v1.", "pods,secrets"].map((type) => ({
    tool: "kubectl",
    verb: ["get"],
    operands: [type],
  })),
  ...[
    "file:/etc/passwd",
    "FILE:///etc/passwd",
    "File:/etc/shadow",
    "http://169.254.169.254/latest/meta-data/",
    "169.254.169.254",
    "http://2852039166/",
    "http://0xA9FEA9FE/",
    "http://[fd00:ec2::254]/",
    "http://[FE80::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/",
    "http://Metadata.Google.Internal./",
    "http://169.254.169.{253,254}/",
  ].map((url) => ({ tool: "curl", verb: [], operands: [url] })),
  ...[
    { flag: "-H", value: "@/root/.ssh/id_rsa" },
    { flag: "-w", value: "@/etc/passwd" },
    { flag: "--write-out", value: "@/etc/passwd" },
    { flag: "-H", value: "Authorization: Bearer abc" },
    { flag: "--header", value: "X-API-Key: abc" },
    { flag: "-L" },
    { flag: "--location" },
    { flag: "-u", value: "root:pw" },
    { flag: "--resolve", value: "echo.lab.example:443:169.254.169.254" },
  ].map((option) => ({ tool: "curl", verb: [], operands: ["https://echo.lab.example/"], option })),
  ...TALOS_SENSITIVE_TYPES.map((entry) => ({
    tool: "talosctl",
    verb: ["get"],
    operands: [entry.type],
    option: { flag: "--nodes", value: "10.0.0.11" },
  })),
];

/** Mixed case for a Talos type name, which talosctl matches with EqualFold. */
function withCase(c: Case, pick: Pick): Case {
  if (c.tool !== "talosctl" || !c.operands?.[0]?.includes(".")) {
    return c;
  }
  const type = c.operands[0];
  const name = type.split(".")[0] ?? type;
  const spelled = pick([type, type.toLowerCase(), name, name.toLowerCase(), name.toUpperCase()]);
  return { ...c, operands: [spelled] };
}

const HARMLESS: Case[] = [
  { tool: "kubectl", verb: ["get"], operands: ["pods"], option: { flag: "-n", value: "flux-system" } },
  {
    tool: "kubectl",
    verb: ["get"],
    operands: ["pods"],
    option: { flag: "-o", value: "wide", harmless: "yaml" },
  },
  { tool: "kubectl", verb: ["get"], option: { flag: "--raw", value: "/readyz", harmless: "/livez" } },
  { tool: "flux", verb: ["get"], operands: ["ks"], option: { flag: "--namespace", value: "flux-system" } },
  { tool: "talosctl", verb: ["get"], operands: ["members"], option: { flag: "--nodes", value: "10.0.0.11" } },
  {
    tool: "curl",
    verb: [],
    operands: ["https://echo.lab.example/"],
    option: { flag: "-w", value: "%{http_code}" },
  },
  { tool: "cloudflared", verb: ["tunnel", "info"], operands: ["lab"] },
];

describe("generated argv variants", () => {
  it.each(
    DANGEROUS.map(
      (c, i) =>
        [
          `${c.tool} ${[...c.verb, ...(c.operands ?? [])].join(" ")} ${c.option?.flag ?? ""} ${c.option?.value ?? ""}`.trim(),
          c,
          i,
        ] as const,
    ),
  )("refuses every variant of %s", (_name, c, i) => {
    const next = random(1000 + i);
    const pick: Pick = (items) => items[Math.floor(next() * items.length)] as (typeof items)[number];
    for (let n = 0; n < VARIANTS_PER_CASE; n++) {
      const command = variant(withCase(c, pick), pick);
      const result = checkDiagnostic(command, EVERYTHING);
      expect(result.verdict, command).toBe("refused");
    }
  });

  it.each(HARMLESS.map((c, i) => [`${c.tool} ${c.verb.join(" ")}`, c, i] as const))(
    "still allows every variant of harmless %s (the generator writes commands the parser reads)",
    (_name, c, i) => {
      const next = random(5000 + i);
      const pick: Pick = (items) => items[Math.floor(next() * items.length)] as (typeof items)[number];
      for (let n = 0; n < VARIANTS_PER_CASE; n++) {
        // Flag case and _ spellings are for the dangerous side; pflag would reject them here.
        const command = variant(c, (items) =>
          typeof items[0] === "string" && String(items[0]).startsWith("--")
            ? (items[0] as (typeof items)[number])
            : pick(items),
        );
        const result = checkDiagnostic(command, EVERYTHING);
        expect(result, command).toMatchObject({ verdict: "allowed" });
      }
    },
  );
});

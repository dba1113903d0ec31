import { describe, expect, it } from "vitest";
import { knownSecretsFromEnv, Redactor } from "./index.ts";

// Seeded values shaped like the real thing (generated for these tests, valid nowhere).
const OPENAI_PROJECT_KEY =
  "sk-proj-E_rM9l0UHNGQxCWP0D6BBHdVeIQpipqsS95Y5H31ahNOb6cb5QfKxwQ0HFlNb5fM36QrNG2N4L5GwiENel7iVEAwkXlwFpwlw947n_E_fkQ07uU0ykjSB12X";
const OPENAI_LEGACY_KEY = "sk-lB9QKf9G3dfSFn7S7T9pXgj2VxxeD1Ko4UU4TCp37bE206WW";
const ANTHROPIC_KEY =
  "sk-ant-api03-KSXBgWx3yP3dFS9QnrHGVqRkb5oM7c1xrRtPGuu4Vt_0vfagtnO2FqkyIdQDqqFVmOfJx1FTtP3-BpfdXdWciGcgPfmDTAA";
const PVE_SECRET = "4f9c2a7e-1b3d-4c5e-8f6a-9b0c1d2e3f4a";
const TUNNEL_TOKEN =
  "eyJhIjoiMTQzMDRmOWY1MzdhMGM2YmY2NzRkY2IzYTAzOWU4NDIiLCJ0IjoiNGQ4NjA3ZjYtNTgxZS00NWY2LTgzNzItMTgwNTQ0Y2I4NzBlIiwicyI6IkYrNjlCKzZpYnR1SkFiSVkwWHZvdEQ3UWZiOTNQa2oveW5XRk14dGZsRWc9In0=";
const GITHUB_CLASSIC = "ghp_4luLGdU7qPexRjEz0y60vMzmfNtlyrDuouqF";
const GITHUB_FINE_GRAINED =
  "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";
const AGE_KEY = "AGE-SECRET-KEY-16MLAHJT6HNYGMRK8CNA0QSJ9LKA2NCGFFQ87XQ4333X06XSXTK9P76UFTW";
const PEM_B64 =
  "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSU5NSEtQMGpsRDJDUEtScFJyOVVjT29OUFo5UzdPcWxtb25oSFMyMTduVE5vQW9HQ0NxR1NNNDkKLS0tLS1FTkQgRUMgUFJJVkFURSBLRVktLS0tLQo=";
const CERT_B64 =
  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJORENCNTZBREFnRUNBaFFBMTJqb2pEdWFzZGVSVTY1MXZlY3hVczgrQmpBRkJnTXJaWEF3RURFT01Bd0cKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
const EC_PRIVATE_KEY = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEINMHKP0jlD2CPKRpRr9UcOoNPZ9S7OqlmonhHS217nTNoAoGCCqGSM49
AwEHoUQDQgAEUIgyfLtRgZTTOE6rKmAaXWuBuSZZw2a7HtpnwDio2jJTnD2hDa+q
TAh3oF0/SRn+dUgGyzg8qe1YqmVI2NR/6w==
-----END EC PRIVATE KEY-----`;
const CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBNDCB56ADAgECAhQA12jojDuasdeRU651vecxUs8+BjAFBgMrZXAwEDEOMAwG
A1UEAwwFdGFsb3MwHhcNMjYxMTI1MTcxMjAwWhcNMjYxMTI2MTcxMjAwWjAQMQ4w
9NB9wV81HLJK/fzcpLnQbsl+k9zI7A8M
-----END CERTIFICATE-----`;

function redact(text: string): string {
  return new Redactor().redact(text);
}

describe("Redactor: each kind of secret", () => {
  it.each([
    [
      "an OpenAI project key",
      `OpenAI error 401 for key ${OPENAI_PROJECT_KEY}`,
      OPENAI_PROJECT_KEY,
      "openai-key",
    ],
    ["a legacy OpenAI key", `"api_key": "${OPENAI_LEGACY_KEY}"`, OPENAI_LEGACY_KEY, "openai-key"],
    ["an Anthropic key", `x-api-key: ${ANTHROPIC_KEY}`, ANTHROPIC_KEY, "anthropic-key"],
    [
      "a Proxmox API token header",
      `Authorization: PVEAPIToken=root@pam!orchestrator=${PVE_SECRET}`,
      PVE_SECRET,
      "pve-token",
    ],
    ["a Proxmox token secret variable", `export PROXMOX_TOKEN_SECRET=${PVE_SECRET}`, PVE_SECRET, "pve-token"],
    ["a Proxmox token in terraform vars", `pm_api_token_secret = "${PVE_SECRET}"`, PVE_SECRET, "pve-token"],
    [
      "a Cloudflare tunnel token",
      `cloudflared tunnel run --token ${TUNNEL_TOKEN}`,
      TUNNEL_TOKEN,
      "cloudflare-tunnel-token",
    ],
    ["a TUNNEL_TOKEN variable", `TUNNEL_TOKEN=${TUNNEL_TOKEN}`, TUNNEL_TOKEN, "cloudflare-tunnel-token"],
    [
      "a tunnel credentials file's TunnelSecret",
      `{"AccountTag":"14304f9f537a0c6bf674dcb3a039e842","TunnelSecret":"F+69B+6ibtuJAbIY0XvotD7Qfb93Pkj/ynWFMxtflEg=","TunnelID":"4d8607f6-581e-45f6-8372-180544cb870e"}`,
      "F+69B+6ibtuJAbIY0XvotD7Qfb93Pkj/ynWFMxtflEg=",
      "cloudflare-tunnel-token",
    ],
    [
      "a Kubernetes bootstrap token",
      "kubeadm join 10.0.0.10:6443 --token 9e4fox.dm4o2dnjyvbhyq1x",
      "9e4fox.dm4o2dnjyvbhyq1x",
      "bootstrap-token",
    ],
    ["a GitHub classic token", `GITHUB_TOKEN=${GITHUB_CLASSIC}`, GITHUB_CLASSIC, "github-token"],
    ["a GitHub fine-grained token", `token: ${GITHUB_FINE_GRAINED}`, GITHUB_FINE_GRAINED, "github-token"],
    [
      "an AWS access key id",
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
      "AKIAIOSFODNN7EXAMPLE",
      "aws-access-key",
    ],
    [
      "an age secret key",
      `# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n${AGE_KEY}`,
      AGE_KEY,
      "age-secret-key",
    ],
    [
      "a bearer token",
      "Authorization: Bearer 7d1f0c3e9a8b4f2e8c6d5a4b3f2e1d0c9b8a7f6e",
      "7d1f0c3e9a8b4f2e8c6d5a4b3f2e1d0c9b8a7f6e",
      "authorization",
    ],
    [
      "a password in a URL",
      "dial postgres://grafana:S3cr3t-Passw0rd@postgres.monitoring.svc:5432/grafana",
      "S3cr3t-Passw0rd",
      "url-password",
    ],
    [
      "a password= assignment",
      "mysql --user=root password=hunter2hunter2 --host 10.0.0.5",
      "hunter2hunter2",
      "password",
    ],
    [
      "a secret= assignment",
      "client_id=orchestrator&client_secret=Zm9vYmFyYmF6cXV4&grant_type=client_credentials",
      "Zm9vYmFyYmF6cXV4",
      "secret",
    ],
    [
      "an api_key= in a query string",
      "GET /v1/status?api_key=0f8e2a9c7b61d4e3&verbose=1",
      "0f8e2a9c7b61d4e3",
      "api-key",
    ],
    ["a --password flag", "helm install x --password 'p@ssw0rd!long'", "p@ssw0rd!long", "password"],
    [
      "a git SHA in a secret context",
      "FLUX_WEBHOOK_TOKEN=4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b",
      "4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b",
      "token",
    ],
  ])("redacts %s", (_name, text, secret, kind) => {
    const redactor = new Redactor();
    const out = redactor.redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(`[REDACTED:${kind}#1]`);
  });

  it("redacts a PEM private key but keeps its BEGIN and END lines", () => {
    const out = redact(`machine:\n  ca:\n    key: |\n${EC_PRIVATE_KEY}\n`);
    expect(out).toContain(
      "-----BEGIN EC PRIVATE KEY-----[REDACTED:private-key#1]-----END EC PRIVATE KEY-----",
    );
    expect(out).not.toContain("MHcCAQEEINMHKP0jlD2CPKRpRr9UcOoNPZ9S7Oql");
  });

  it("redacts a private key cut in half by an output cap, on either side of the cut", () => {
    const lines = EC_PRIVATE_KEY.split("\n");
    const head = redact(`${lines.slice(0, 3).join("\n")}\n[... 2048 bytes cut ...]`);
    const tail = redact(`[... 2048 bytes cut ...]\n${lines.slice(2).join("\n")}`);
    expect(head).not.toContain("MHcCAQEEINMHKP0jlD2C");
    expect(head).not.toContain("AwEHoUQDQgAEUIgyfLtR");
    expect(tail).not.toContain("TAh3oF0/SRn");
    expect(head).toContain("[... 2048 bytes cut ...]");
  });

  it("redacts a certificate block", () => {
    const out = redact(CERTIFICATE);
    expect(out).toBe("-----BEGIN CERTIFICATE-----[REDACTED:certificate#1]-----END CERTIFICATE-----");
  });

  it("redacts the keys and certificates of a talosconfig, keeping endpoints and nodes", () => {
    const talosconfig = [
      "context: prox-n100",
      "contexts:",
      "    prox-n100:",
      "        endpoints:",
      "            - 10.0.0.11",
      "        nodes:",
      "            - 10.0.0.11",
      `        ca: ${CERT_B64}`,
      `        crt: ${CERT_B64.slice(0, 100)}`,
      `        key: ${PEM_B64}`,
    ].join("\n");
    const out = redact(talosconfig);
    expect(out).toContain("- 10.0.0.11");
    expect(out).toContain("ca: [REDACTED:talos-cert#1]");
    expect(out).toContain("crt: [REDACTED:talos-cert#2]");
    expect(out).toContain("key: [REDACTED:talos-key#1]");
    expect(out).not.toContain("LS0tLS1CRUdJTi");
  });

  it("redacts a Talos machine config's tokens and encryption secrets", () => {
    const machineConfig = [
      "version: v1alpha1",
      "machine:",
      "    type: controlplane",
      "    token: ee07jh.vxsg9wunxtasjwes",
      "    ca:",
      `        crt: ${CERT_B64}`,
      `        key: ${PEM_B64}`,
      "cluster:",
      "    id: Vm8gOFGr6BE1YlJYfRw43lFcVFcW7zz4E0R3M2CqPr8=",
      "    secret: 3xW+vv0Fyv9sJq2YZqRr0pWcDTqRrDfQdlzYU2hHqvo=",
      "    token: 9e4fox.dm4o2dnjyvbhyq1x",
      "    secretboxEncryptionSecret: z01mye6j16bspJYtTB/5SFX8j7Ahonp9JN+LY3j+g+c=",
      "    controlPlane:",
      "        endpoint: https://10.0.0.10:6443",
    ].join("\n");
    const out = redact(machineConfig);
    for (const secret of [
      "ee07jh.vxsg9wunxtasjwes",
      "9e4fox.dm4o2dnjyvbhyq1x",
      "3xW+vv0Fyv9sJq2YZqRr0pWcDTqRrDfQdlzYU2hHqvo=",
      "z01mye6j16bspJYtTB/5SFX8j7Ahonp9JN+LY3j+g+c=",
      "Vm8gOFGr6BE1YlJYfRw43lFcVFcW7zz4E0R3M2CqPr8=",
      "LS0tLS1CRUdJTi",
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("endpoint: https://10.0.0.10:6443");
    expect(out).toContain("type: controlplane");
  });

  it("redacts a kubeconfig's key, certificates and token", () => {
    const kubeconfig = [
      "apiVersion: v1",
      "clusters:",
      "- cluster:",
      `    certificate-authority-data: ${CERT_B64}`,
      "    server: https://10.0.0.10:6443",
      "  name: prox-n100",
      "users:",
      "- name: admin@prox-n100",
      "  user:",
      `    client-certificate-data: ${CERT_B64.slice(0, 120)}`,
      `    client-key-data: ${PEM_B64}`,
      "- name: viewer",
      "  user:",
      "    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IkJxT2Z3In0.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzIl19.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    ].join("\n");
    const out = redact(kubeconfig);
    expect(out).toContain("certificate-authority-data: [REDACTED:kubeconfig-cert#1]");
    expect(out).toContain("client-certificate-data: [REDACTED:kubeconfig-cert#2]");
    expect(out).toContain("client-key-data: [REDACTED:kubeconfig-key#1]");
    expect(out).toContain("token: [REDACTED:jwt#1]");
    expect(out).toContain("server: https://10.0.0.10:6443");
  });

  it("redacts a long random string with no context around it", () => {
    const out = redact('level=info msg="rotating" value=3q2+7w8XkLmN0pQrStUvWxYz1A2B3C4D5E6F7G8H9iJ');
    expect(out).toContain("[REDACTED:high-entropy#1]");
    expect(out).toContain('level=info msg="rotating"');
  });
});

describe("Redactor: placeholders", () => {
  it("gives the same secret the same placeholder everywhere and for the Redactor's life", () => {
    const redactor = new Redactor();
    const first = redactor.redact(`key ${OPENAI_LEGACY_KEY} and again ${OPENAI_LEGACY_KEY}`);
    const second = redactor.redact(`later: ${OPENAI_LEGACY_KEY}, other: ${OPENAI_PROJECT_KEY}`);
    expect(first).toBe("key [REDACTED:openai-key#1] and again [REDACTED:openai-key#1]");
    expect(second).toBe("later: [REDACTED:openai-key#1], other: [REDACTED:openai-key#2]");
  });

  it("records findings by kind and placeholder, never the value", () => {
    const redactor = new Redactor();
    redactor.redact(`PVEAPIToken=root@pam!ci=${PVE_SECRET} ${GITHUB_CLASSIC} ${GITHUB_CLASSIC}`);
    expect([...redactor.findings].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "github-token", placeholder: "[REDACTED:github-token#1]" },
      { kind: "pve-token", placeholder: "[REDACTED:pve-token#1]" },
    ]);
    expect(JSON.stringify(redactor.findings)).not.toContain(PVE_SECRET);
  });

  it("keeps the user and host of a URL whose password it hides", () => {
    expect(redact("https://admin:Pr0xm0x-R00t!@pve.lan:8006/api2/json")).toBe(
      "https://admin:[REDACTED:url-password#1]@pve.lan:8006/api2/json",
    );
  });

  it("names the key of an assignment it redacts, not its value", () => {
    expect(redact(`PROXMOX_TOKEN_SECRET=${PVE_SECRET}`)).toBe("PROXMOX_TOKEN_SECRET=[REDACTED:pve-token#1]");
  });
});

describe("Redactor: known secrets", () => {
  it("scrubs exact values and their base64 forms even where no pattern sees them", () => {
    const redactor = new Redactor({ knownSecrets: ["correct horse battery staple"] });
    const base64 = Buffer.from("correct horse battery staple").toString("base64");
    const base64Newline = Buffer.from("correct horse battery staple\n").toString("base64");
    const out = redactor.redact(`said correct horse battery staple; data: ${base64} / ${base64Newline}`);
    expect(out).not.toContain("correct horse");
    expect(out).not.toContain(base64);
    expect(out).not.toContain(base64Newline);
    expect(out.match(/\[REDACTED:known-secret#1\]/g)).toHaveLength(1);
  });

  it("ignores known values too short to scrub without mangling ordinary words", () => {
    expect(new Redactor({ knownSecrets: ["admin"] }).redact("user admin logged in")).toBe(
      "user admin logged in",
    );
  });

  it("collects the values of secret-named environment variables", () => {
    expect(
      knownSecretsFromEnv({
        OPENAI_API_KEY: OPENAI_LEGACY_KEY,
        PROXMOX_TOKEN_SECRET: PVE_SECRET,
        TUNNEL_TOKEN: "abc",
        PATH: "/usr/bin",
        KUBECONFIG: "/home/me/.kube/config",
        EMPTY_TOKEN: "",
      }),
    ).toEqual([OPENAI_LEGACY_KEY, PVE_SECRET, "abc"]);
  });
});

describe("Redactor: high-entropy strings", () => {
  // A seeded generator keeps the test deterministic while covering many shapes of random tokens.
  function seededBase64(seed: number, length: number): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let state = seed;
    let out = "";
    for (let i = 0; i < length; i++) {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
      out += alphabet[(state >>> 0) % 64];
    }
    return out;
  }

  it("redacts 500 different random 40-character tokens that no other rule knows", () => {
    const redactor = new Redactor();
    for (let seed = 1; seed <= 500; seed++) {
      const token = seededBase64(seed, 40);
      expect(redactor.redact(`value ${token} end`)).toMatch(/^value \[REDACTED:high-entropy#\d+\] end$/);
    }
  });

  it("keeps bare git SHAs, sha256 digests and UUIDs, which are fingerprints, not secrets", () => {
    const text =
      "0e0f4a15c2d3b4a5968778695a4b3c2d1e0f9a8b 758ca0793f5995bb938a2fa219dcce63dc0b3fa7345f7ce41e5a71d1a2e3b5dd 0b6a1f2e-4c3d-4b5a-9e8f-7d6c5b4a3f2e";
    expect(new Redactor().redact(text)).toBe(text);
  });
});

import { describe, expect, it } from "vitest";
import {
  base64Core,
  KnownValueMatcher,
  knownSecretsFromEnv,
  Redactor,
  secretForms,
  TOOL_CREDENTIAL_VARIABLES,
  withoutToolCredentials,
} from "./index.ts";

const SECRET = "correct-Horse-battery-9";

describe("known secret values in every encoding", () => {
  it.each([0, 1, 2] as const)(
    "finds the value inside a longer base64 blob when it starts at byte offset %i of a group",
    (offset) => {
      const blob = Buffer.from(`${"x".repeat(3 + offset)}${SECRET}{"more":"data"}`).toString("base64");
      expect(blob).toContain(base64Core(SECRET, offset));
      const out = new Redactor({ knownSecrets: [SECRET] }).redact(`data: ${blob}`);
      expect(out).not.toContain(base64Core(SECRET, offset));
      expect(out).toContain("[REDACTED:known-secret#");
    },
  );

  it("finds the URL-safe base64, percent-encoded and form-encoded forms", () => {
    const value = "p@ss w/rd+?~~~";
    const redactor = new Redactor({ knownSecrets: [value] });
    const forms = [
      Buffer.from(value).toString("base64url"),
      encodeURIComponent(value),
      encodeURIComponent(value).replaceAll("%20", "+"),
    ];
    const out = redactor.redact(forms.map((form) => `v=${form}`).join("\n"));
    for (const form of forms) {
      expect(out).not.toContain(form);
    }
  });

  it("lists no form for a value too short to mask without mangling words", () => {
    expect(secretForms("admin")).toEqual([]);
  });

  it("merges overlapping occurrences so no tail is left behind", () => {
    const matcher = new KnownValueMatcher(["abcdef", "defghi"]);
    expect(matcher.find("xxabcdefghiyy")).toEqual([{ start: 2, end: 11, pattern: 0 }]);
  });

  it("takes the longest of the values that share a start", () => {
    const out = new Redactor({ knownSecrets: ["secret-one", "secret-one-two"] }).redact("a secret-one-two b");
    expect(out).toBe("a [REDACTED:known-secret#1] b");
  });

  it("finds many values in one pass", () => {
    const values = Array.from({ length: 300 }, (_, i) => `value-${i}-${"q".repeat(i % 7)}-end`);
    const text = values.map((value, i) => `line ${i}: ${value}`).join("\n");
    const out = new Redactor({ knownSecrets: values }).redact(text);
    for (const value of values) {
      expect(out).not.toContain(value);
    }
  });
});

describe("credentials in the environment", () => {
  it("collects every variable whose name says it holds a credential, and passwords inside URLs", () => {
    expect(
      knownSecretsFromEnv({
        OPENAI_API_KEY: "k1",
        EXECUTOR_API_KEY: "k2",
        PROXMOX_TOKEN_SECRET: "k3",
        DB_PASS: "k4",
        SMTP_PASSWORD: "k5",
        CF_API_TOKEN: "k6",
        WG_PSK: "k7",
        DATABASE_URL: "postgres://app:url-pass@db:5432/app",
        PATH: "/usr/bin",
        PWD: "/home/me",
        KUBECONFIG: "/home/me/.kube/config",
        SSH_AUTH_SOCK: "/tmp/agent",
        PASSWORD_FILE: "/run/secrets/pw",
        AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
      }),
    ).toEqual(["k1", "k2", "k3", "k4", "k5", "k6", "k7", "url-pass"]);
  });

  it("removes the tool's own API keys, and the ones its settings name, keeping everything else", () => {
    const env = {
      OPENAI_API_KEY: "a",
      EXECUTOR_API_KEY: "b",
      MY_LLM_KEY: "c",
      TALOSCONFIG: "/t",
      PATH: "/bin",
    };
    expect(withoutToolCredentials(env, ["MY_LLM_KEY"])).toEqual({ TALOSCONFIG: "/t", PATH: "/bin" });
    expect(TOOL_CREDENTIAL_VARIABLES).toContain("OPENAI_API_KEY");
    expect(env.OPENAI_API_KEY).toBe("a");
  });
});

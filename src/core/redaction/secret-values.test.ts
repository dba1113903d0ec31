import { describe, expect, it } from "vitest";
import { secretValuesFromFile } from "./index.ts";

describe("secretValuesFromFile", () => {
  it("takes KEY=VALUE, YAML and INI values, unquoted and without comments", () => {
    const values = secretValuesFromFile(
      [
        'export API_TOKEN="tok-123456789"',
        "DB_PASS=pw-abcdef # the db",
        "smtp:",
        "  password: 'smtp-pass-77'",
        "[remote]",
        "pass = ini-pass-88",
      ].join("\n"),
    );
    expect(values).toEqual(["tok-123456789", "pw-abcdef", "smtp-pass-77", "ini-pass-88"]);
  });

  it("takes every pair of one-line JSON and each line of a PEM body", () => {
    const values = secretValuesFromFile(
      [
        '{"AccountTag":"14304f9f537a0c6bf674dcb3a039e842","TunnelSecret":"F+69B+6ibtuJAbIY0XvotD7Qfb93Pkj/ynWFMxtflEg=","TunnelID":"4d8607f6-581e-45f6-8372-180544cb870e"}',
        "-----BEGIN PRIVATE KEY-----",
        "MHcCAQEEINMHKP0jlD2CPKRpRr9UcOoNPZ9S7OqlmonhHS217nTNoAoGCCqGSM49",
        "-----END PRIVATE KEY-----",
      ].join("\n"),
    );
    expect(values).toContain("F+69B+6ibtuJAbIY0XvotD7Qfb93Pkj/ynWFMxtflEg=");
    expect(values).toContain("MHcCAQEEINMHKP0jlD2CPKRpRr9UcOoNPZ9S7OqlmonhHS217nTNoAoGCCqGSM49");
  });

  it("skips configuration and short values: booleans, ports, versions, names, paths, URLs, images", () => {
    expect(
      secretValuesFromFile(
        [
          "enabled: true",
          "port: 6443",
          "version: v1.12.0",
          "type: controlplane",
          "hostname: talos-cp-1.lab",
          "disk: /dev/sda",
          "endpoint: https://10.0.0.10:6443",
          "image: ghcr.io/siderolabs/installer:v1.12.0",
          "cidr: 10.244.0.0/16",
          "token: abc",
          "kind: Secret",
        ].join("\n"),
      ),
    ).toEqual([]);
  });
});

describe("secretValuesFromFile on prose", () => {
  it("leaves descriptions and plain words under ordinary keys alone", () => {
    expect(
      secretValuesFromFile(
        [
          "description: Talos control plane node (v1.9.1)",
          "os: Talos (v1.9.1)",
          "name: homelab-production",
        ].join("\n"),
      ),
    ).toEqual([]);
  });
});

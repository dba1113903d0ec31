import { describe, expect, it } from "vitest";
import { DEFAULT_SECRET_GLOBS, isSecretPath } from "./index.ts";

describe("isSecretPath", () => {
  it.each([
    "talosconfig",
    "talos/clusterconfig/talosconfig",
    "talos/clusterconfig/prox-n100-cp1.yaml",
    "kubeconfig",
    "clusters/home/kubeconfig",
    "talos/talsecret.sops.yaml",
    "talsecret.yaml",
    "secrets.yaml",
    "infrastructure/talos/secrets.yaml",
    "age.key",
    "certs/tls.pem",
    ".env",
    ".env.local",
    "kubernetes/apps/network/cloudflared/app/secret.sops.yaml",
    "cloudflare-tunnel.json",
    "infrastructure/proxmox/terraform.tfvars",
    "./talosconfig",
  ])("treats %s as secret", (path) => {
    expect(isSecretPath(path, [])).toBe(true);
  });

  it.each([
    "config/clusters/prox-n100.yaml",
    "talos/talconfig.yaml",
    "talos/talenv.yaml",
    "talos/patches/global/machine-network.yaml",
    "kubernetes/apps/network/cloudflared/app/helmrelease.yaml",
    "infrastructure/talos/bootstrap.sh",
    "ai/master_memo.md",
    ".sops.yaml",
    "README.md",
  ])("leaves %s readable", (path) => {
    expect(isSecretPath(path, [])).toBe(false);
  });

  it("adds the context map's own globs, matching a slash-less glob by file name", () => {
    expect(isSecretPath("infrastructure/proxmox/token.txt", ["token.txt"])).toBe(true);
    expect(isSecretPath("private/notes.md", ["private/**"])).toBe(true);
    expect(isSecretPath("public/notes.md", ["private/**"])).toBe(false);
  });

  it("uses the one glob meaning: case-insensitive, and a matched folder covers what is below it", () => {
    expect(isSecretPath("Talos/Secrets.YAML", [])).toBe(true);
    expect(isSecretPath("infrastructure/.ENV", [])).toBe(true);
    expect(isSecretPath("private/deep/notes.md", ["private"])).toBe(true);
    expect(isSecretPath("vault/keys/root.txt", ["vault/keys/"])).toBe(true);
  });

  it("matches Windows-style separators like forward ones", () => {
    expect(isSecretPath("talos\\clusterconfig\\talosconfig", [])).toBe(true);
  });

  it("keeps every default glob in the ** form so it matches at any depth", () => {
    for (const glob of DEFAULT_SECRET_GLOBS) {
      expect(glob.startsWith("**/")).toBe(true);
    }
  });
});

import { matchesAnyGlob } from "../glob/index.ts";

/**
 * Files never read into a case file, whatever the context map says. Each group names why:
 * a case file leaves the machine, so anything that grants access to the cluster must stay home.
 */
export const DEFAULT_SECRET_GLOBS: string[] = [
  // Client credentials for the cluster: a talosconfig or kubeconfig is full admin access.
  "**/talosconfig",
  "**/kubeconfig",
  "**/*.kubeconfig",
  "**/.kube/config",
  "**/.talos/config",
  // The Talos secrets bundle (cluster PKI, bootstrap token, etcd CA) and the machine configs
  // generated from it, which embed the same keys; regenerating them locks you out, leaking them hands the cluster over.
  "**/secrets.yaml",
  "**/secrets.yml",
  "**/talsecret*.yaml",
  "**/talsecret*.yml",
  "**/talos/clusterconfig/**",
  "**/controlplane.yaml",
  "**/worker.yaml",
  // Private keys and key stores of any kind (TLS, SSH, age).
  "**/*.key",
  "**/*.pem",
  "**/*.p12",
  "**/*.pfx",
  "**/id_rsa*",
  "**/id_ecdsa*",
  "**/id_ed25519*",
  "**/sops/age/keys.txt",
  // Environment files hold API keys and tokens in plain text.
  "**/.env",
  "**/.env.*",
  // SOPS files: encrypted, but their decrypted twins and metadata do not belong in a prompt either.
  // (.sops.yaml itself is the public creation-rule config and stays readable.)
  "**/?*.sops.*",
  "**/?*.sops",
  // Cloudflare tunnel credentials (account tag, tunnel id and secret).
  "**/cloudflare-tunnel.json",
  "**/.cloudflared/*.json",
  // Terraform/OpenTofu variables and state carry the Proxmox API token secret and everything else.
  "**/*.tfvars",
  "**/*.tfvars.json",
  "**/*.tfstate",
  "**/*.tfstate.*",
  // Generic credential stores a homelab repo sometimes carries.
  "**/.netrc",
  "**/.git-credentials",
  "**/.docker/config.json",
];

/**
 * True when `path` (repo-relative) matches a default secret glob or one of `extraGlobs` (the
 * context map's `secrets:`), with the one glob meaning of src/core/glob: `.gitignore`'s rules,
 * case-insensitive, a match on a folder covering everything below it.
 */
export function isSecretPath(path: string, extraGlobs: readonly string[]): boolean {
  return matchesAnyGlob(path, DEFAULT_SECRET_GLOBS) || matchesAnyGlob(path, extraGlobs);
}

/**
 * Test support: a real homelab git repo in a temporary folder, and fingerprints of everything
 * a refusal must leave alone. Only tests import this.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { GIT_ENV, makeHomelabRepo as makeRepo } from "../../../test/helpers/homelab-repo.ts";
import type { GuardRules } from "../../core/patch-guard/index.ts";
import { DEFAULT_MAX_CHANGED_LINES, DEFAULT_MAX_FILES } from "../../core/patch-guard/limits.ts";
import { ESCALATIONS_DIR, LOGS_DIR, PATCHES_DIR, STATE_DIR } from "../../core/repo-layout/index.ts";

// Tests never see the developer's git configuration, and commits need an identity.

export const HOMELAB_FILES: Record<string, string> = {
  ".gitignore": "ai/state/\nai/logs/\nai/escalations/\nai/patches/\ntalos/clusterconfig/*.key\n",
  "ai/master_memo.md": "# Homelab\n\n## Talos\nOne control plane on the N100.\n",
  "ai/context_map.yaml":
    "version: 1\nprotected: [infrastructure/terraform/state.tf]\nsecrets: ['**/talosconfig', '**/*.key']\n" +
    "stages:\n  talos:\n    command: ./infrastructure/talos/bootstrap.sh\n",
  "ai/bootstrap_loop.sh": '#!/bin/sh\nexec orchestrator "$@"\n',
  "infrastructure/proxmox/wipe_proxmox.sh": "#!/bin/sh\necho wiping\n",
  "infrastructure/terraform/state.tf": "# human only\n",
  "infrastructure/talos/bootstrap.sh":
    "#!/bin/sh\ntalosctl apply-config --insecure --nodes 10.0.0.11 --file cp1.yaml\n",
  "config/clusters/prox-n100.yaml":
    "proxmox:\n  node: pve\n  storage: local-lvm\n  bridge: vmbr0\ntalos:\n  version: v1.9.5\n  installDisk: /dev/sda\n",
  "talos/talconfig.yaml": "clusterName: prox-n100\ntalosVersion: v1.9.5\n",
  "talos/talsecret.sops.yaml": "cluster:\n  id: ENC[AES256_GCM,data:abc]\n",
  "talos/clusterconfig/prox-n100-cp1.yaml": "version: v1alpha1\nmachine:\n  type: controlplane\n",
  "kubernetes/flux/apps.yaml":
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n" +
    "spec:\n  interval: 10m\n  path: ./kubernetes/apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
  "kubernetes/apps/monitoring/kustomization.yaml":
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - namespace.yaml\n  - helmrelease.yaml\n",
  "kubernetes/apps/monitoring/namespace.yaml":
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n",
  "kubernetes/apps/monitoring/helmrelease.yaml":
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kube-prometheus-stack\n  namespace: monitoring\n" +
    "spec:\n  interval: 30m\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-dashboards\n  namespace: monitoring\n",
  "kubernetes/apps/data/pvc.yaml":
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: postgres-data\n  namespace: data\nspec:\n  resources:\n    requests:\n      storage: 20Gi\n",
};

/** The guard rules the context map in HOMELAB_FILES declares. */
export const HOMELAB_RULES: GuardRules = {
  protectedPaths: ["infrastructure/terraform/state.tf"],
  secretGlobs: ["**/talosconfig", "**/*.key"],
  maxFiles: DEFAULT_MAX_FILES,
  maxChangedLines: DEFAULT_MAX_CHANGED_LINES,
};

/** The hunk that fixes the storage fault in HOMELAB_FILES' cluster file: local-lvm → local-zfs. */
export const STORAGE_FIX_HUNK = [
  "@@ -1,6 +1,6 @@",
  " proxmox:",
  "   node: pve",
  "-  storage: local-lvm",
  "+  storage: local-zfs",
  "   bridge: vmbr0",
  " talos:",
  "   version: v1.9.5",
];

/** STORAGE_FIX_HUNK as a whole unified diff. */
export const STORAGE_FIX = [
  "diff --git a/config/clusters/prox-n100.yaml b/config/clusters/prox-n100.yaml",
  "--- a/config/clusters/prox-n100.yaml",
  "+++ b/config/clusters/prox-n100.yaml",
  ...STORAGE_FIX_HUNK,
  "",
].join("\n");

export type HomelabRepo = {
  root: string;
  /** A folder outside the repo that the repo's `config/external` symlink points at. */
  outside: string;
  run(args: string[], cwd?: string): string;
  write(path: string, text: string): void;
  cleanup(): void;
};

export function makeHomelabRepo(files: Record<string, string> = HOMELAB_FILES): HomelabRepo {
  const base = mkdtempSync(join(tmpdir(), "homelab-"));
  const outside = join(base, "outside");
  mkdirSync(outside);
  const root = makeRepo(files, {
    root: join(base, "repo"),
    message: "Homelab as the human left it",
    beforeCommit: (folder) => symlinkSync(outside, join(folder, "config", "external")),
  });
  const run = (args: string[], cwd = root) =>
    execFileSync("git", args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: "utf8" });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  return { root, outside, run, write, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** A hash of every file under `folder` (names, modes, contents, link targets), skipping `skip`. */
export function hashTree(folder: string, skip: string[] = []): string {
  const hash = createHash("sha256");
  const walk = (relative: string) => {
    const entries = readdirSync(join(folder, relative)).sort();
    for (const name of entries) {
      const path = relative ? `${relative}/${name}` : name;
      if (skip.includes(path)) {
        continue;
      }
      const full = join(folder, path);
      const stats = lstatSync(full);
      hash.update(`${path}\0${stats.mode}\0`);
      if (stats.isSymbolicLink()) {
        hash.update(readlinkSync(full));
      } else if (stats.isDirectory()) {
        walk(path);
      } else {
        hash.update(readFileSync(full));
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

/** Everything about the user's checkout a run must never change. */
export function userCheckoutState(repo: HomelabRepo): Record<string, string> {
  return {
    head: repo.run(["rev-parse", "HEAD"]),
    branch: repo.run(["symbolic-ref", "-q", "HEAD"]),
    index: repo.run(["ls-files", "--stage"]),
    status: repo.run(["status", "--porcelain=v1", "--untracked-files=all"]),
    // The tool's own runtime folders (ignored) may change; nothing else may, and the AI
    // worktree is no longer inside the checkout to be skipped.
    files: hashTree(repo.root, [".git", STATE_DIR, LOGS_DIR, ESCALATIONS_DIR, PATCHES_DIR]),
  };
}

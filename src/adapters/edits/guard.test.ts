import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOMELAB_RULES,
  type HomelabRepo,
  hashTree,
  makeHomelabRepo,
} from "../side-branch/homelab-repo.fixture.ts";
import { checkEdit } from "./index.ts";

const searchReplace = (path: string, search: string[], replace: string[]) =>
  [path, "<<<<<<< SEARCH", ...search, "=======", ...replace, ">>>>>>> REPLACE", ""].join("\n");
const codexAdd = (path: string, lines: string[]) =>
  ["*** Begin Patch", `*** Add File: ${path}`, ...lines.map((line) => `+${line}`), "*** End Patch", ""].join(
    "\n",
  );

/** Edits in the formats models write, each breaking a rule the patch guard enforces on diffs. */
const CASES: { name: string; edit: string; reason: RegExp }[] = [
  {
    name: "a SEARCH/REPLACE edit of the human's architecture memo",
    edit: searchReplace("ai/master_memo.md", ["One control plane on the N100."], ["Three control planes."]),
    reason: /^ai\/master_memo\.md is protected \(the human's architecture memo\); the patch would edit it$/,
  },
  {
    name: "a Codex patch that writes the orchestrator's own state",
    edit: codexAdd("ai/state/errors.json", ["{}"]),
    reason: /^ai\/state\/errors\.json is protected \(the orchestrator's own runtime data\)/,
  },
  {
    name: "a Codex patch that adds a talosconfig",
    edit: codexAdd("talos/talosconfig", ["context: prox-n100"]),
    reason: /is protected \(it matches the secrets glob \*\*\/talosconfig in ai\/context_map\.yaml\)/,
  },
  {
    name: "a unified diff without a/ b/ that creates a symlink",
    edit: "diff --git a/config/link b/config/link\nnew file mode 120000\n--- /dev/null\n+++ b/config/link\n@@ @@\n+/etc/shadow\n\\ No newline at end of file\n",
    reason: /config\/link would become a symlink/,
  },
  {
    name: "a whole-file write through the repo's symlink to a folder outside it",
    edit: "config/external/evil.sh\n```sh\necho pwned\n```\n",
    reason: /goes through the symlink config\/external/,
  },
  {
    name: "a SEARCH/REPLACE edit that drops a kustomization resource",
    edit: searchReplace(
      "kubernetes/apps/monitoring/kustomization.yaml",
      ["  - namespace.yaml", "  - helmrelease.yaml"],
      ["  - namespace.yaml"],
    ),
    reason:
      /removes "helmrelease\.yaml" from the resources of kubernetes\/apps\/monitoring\/kustomization\.yaml/,
  },
  {
    name: "an @@ @@ diff that changes a Flux Kustomization's path",
    edit: "--- kubernetes/flux/apps.yaml\n+++ kubernetes/flux/apps.yaml\n@@ @@\n-  path: ./kubernetes/apps\n+  path: ./kubernetes/apps/monitoring\n",
    reason: /changes spec\.path of the Flux Kustomization "flux-system\/apps"/,
  },
  {
    name: "a Codex patch that deletes the wipe script",
    edit: "*** Begin Patch\n*** Delete File: infrastructure/proxmox/wipe_proxmox.sh\n*** End Patch\n",
    reason:
      /^infrastructure\/proxmox\/wipe_proxmox\.sh is protected \(it wipes the Proxmox host\); the patch would delete it$/,
  },
  {
    name: "six new files in one answer",
    edit: [1, 2, 3, 4, 5, 6].map((n) => codexAdd(`config/extra-${n}.yaml`, [`n: ${n}`])).join(""),
    reason: /changes 6 files; at most 5 are allowed \(patch_max_files\)/,
  },
];

describe("every patch-guard rule still holds for edits in any format", () => {
  let repo: HomelabRepo;
  let before: string;

  beforeAll(() => {
    repo = makeHomelabRepo();
    before = hashTree(repo.root);
  });
  afterAll(() => repo.cleanup());

  it.each(CASES)("refuses $name, and writes nothing", async ({ edit, reason }) => {
    const check = await checkEdit({
      repoRoot: repo.root,
      ref: "HEAD",
      editText: edit,
      rules: HOMELAB_RULES,
      worktree: repo.root,
    });
    expect(check.status).toBe("refused");
    expect(check.status === "refused" ? check.reasons : []).toContainEqual(expect.stringMatching(reason));
    expect(hashTree(repo.root)).toBe(before);
  });
});

import { describe, expect, it } from "vitest";
import {
  checkPatch,
  type GuardFacts,
  type GuardRules,
  guardRulesFrom,
  type PatchVerdict,
  parseUnifiedDiff,
} from "./index.ts";

const RULES: GuardRules = guardRulesFrom(
  { protected: ["infrastructure/terraform/"], secrets: ["**/*.key"] },
  { patchMaxFiles: 5, patchMaxLines: 80 },
);
const NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n";
const FACTS: GuardFacts = {
  topLevelEntries: ["ai", "config", "infrastructure", "kubernetes"],
  existingPaths: [
    "config",
    "config/a.yaml",
    "ai",
    "ai/master_memo.md",
    "kubernetes",
    "kubernetes/ns.yaml",
    "kubernetes/other.yaml",
    "infrastructure",
    "infrastructure/terraform",
    "infrastructure/terraform/main.tf",
  ],
  symlinks: [{ path: "config/shared", target: "../kubernetes", insideWorktree: true }],
  oldContents: { "kubernetes/ns.yaml": NAMESPACE, "kubernetes/other.yaml": "a: 1\n" },
};

function verdictOf(diff: string, facts: GuardFacts = FACTS): PatchVerdict {
  const parsed = parseUnifiedDiff(diff);
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  return checkPatch(parsed.patch, facts, RULES);
}
const edit = (path: string) => `--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-a: 1\n+a: 2\n`;

describe("checkPatch", () => {
  it("protects a file a slash-less secrets glob names at any depth, as the redactor reads it", () => {
    const rules = guardRulesFrom(
      { protected: [], secrets: ["*.secret"] },
      { patchMaxFiles: 5, patchMaxLines: 80 },
    );
    const parsed = parseUnifiedDiff(edit("config/db.secret"));
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    const verdict = checkPatch(
      parsed.patch,
      { ...FACTS, existingPaths: [...FACTS.existingPaths, "config/db.secret"] },
      rules,
    );
    expect(verdict.verdict).toBe("refused");
    expect(verdict.verdict === "refused" && verdict.reasons.join(" ")).toMatch(/secrets glob \*\.secret/);
  });

  it("judges a look-alike name with a trailing space or dot as the protected file it imitates", () => {
    for (const path of ["ai/context_map.yaml ", "ai/context_map.yaml.", "ai /context_map.yaml"]) {
      const parsed = parseUnifiedDiff(
        `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n-a: 1\n+a: 2\n`,
      );
      expect(parsed.ok, path).toBe(true);
      if (parsed.ok) {
        const verdict = checkPatch(parsed.patch, FACTS, RULES);
        expect(verdict.verdict === "refused" && verdict.reasons.join(" "), path).toMatch(/map of stages/);
      }
    }
  });

  it("accepts a small edit and counts its files and lines", () => {
    expect(verdictOf(edit("config/a.yaml"))).toEqual({
      verdict: "accepted",
      files: ["config/a.yaml"],
      changedLines: 2,
    });
  });

  it.each([
    ["a ./ segment", edit("config/./a.yaml"), /not in normal form/],
    ["a // segment", edit("config//a.yaml"), /not in normal form/],
    ["a control character", edit("config/a\u0007.yaml"), /control character U\+0007/],
    ["a backslash", edit("config\\a.yaml"), /backslash/],
    ["a nested .git folder", edit("config/.GIT/config"), /inside \.git\//],
    [
      "a protected folder given without a glob",
      edit("infrastructure/terraform/main.tf"),
      /listed as protected/,
    ],
    ["a secrets glob", edit("config/tls.key"), /secrets glob \*\*\/\*\.key/],
    [
      "a symlink even inside the worktree",
      edit("config/shared/ns.yaml"),
      /goes through the symlink config\/shared \(→ \.\.\/kubernetes\)/,
    ],
  ])("refuses %s", (_name, diff, reason) => {
    const verdict = verdictOf(diff);
    expect(verdict.verdict).toBe("refused");
    expect(verdict.verdict === "refused" ? verdict.reasons.join("\n") : "").toMatch(reason);
  });

  it("refuses a single 2 MB line and says why, while a 4 KB certificate line passes", () => {
    const huge = "x".repeat(2 * 1024 * 1024);
    const refused = verdictOf(
      `--- a/kubernetes/other.yaml\n+++ b/kubernetes/other.yaml\n@@ -1 +1,2 @@\n a: 1\n+b: ${huge}\n`,
    );
    expect(refused).toEqual({
      verdict: "refused",
      reasons: [
        `kubernetes/other.yaml gets a line of ${huge.length + 3} characters (line 2); at most 20000 are allowed in one line, so a human can read every change`,
      ],
    });
    const certificate = "c".repeat(4096);
    expect(
      verdictOf(
        `--- a/kubernetes/other.yaml\n+++ b/kubernetes/other.yaml\n@@ -1 +1,2 @@\n a: 1\n+ca: ${certificate}\n`,
      ).verdict,
    ).toBe("accepted");
  });

  it("refuses a mode change of a protected file", () => {
    const verdict = verdictOf(
      "diff --git a/ai/master_memo.md b/ai/master_memo.md\nold mode 100644\nnew mode 100755\n",
    );
    expect(verdict).toEqual({
      verdict: "refused",
      reasons: [
        "ai/master_memo.md is protected (the human's architecture memo); the patch would change the mode of it",
      ],
    });
  });

  it("refuses renaming a protected file away", () => {
    const verdict = verdictOf(
      "diff --git a/ai/master_memo.md b/config/memo.md\nsimilarity index 100%\nrename from ai/master_memo.md\nrename to config/memo.md\n",
    );
    expect(verdict.verdict === "refused" && verdict.reasons[0]).toMatch(/the patch would rename away it/);
  });

  it("lists every problem at once", () => {
    const verdict = verdictOf(`${edit("ai/master_memo.md")}${edit("../x")}`);
    expect(verdict.verdict === "refused" && verdict.reasons).toHaveLength(2);
  });

  it("accepts adding a label to a Namespace, which Flux updates in place", () => {
    const diff =
      "--- a/kubernetes/ns.yaml\n+++ b/kubernetes/ns.yaml\n@@ -3,2 +3,4 @@\n metadata:\n   name: monitoring\n" +
      "+  labels:\n+    pod-security.kubernetes.io/enforce: privileged\n";
    expect(verdictOf(diff).verdict).toBe("accepted");
  });

  it("accepts moving a Namespace to another file, since the object stays in Git", () => {
    const diff =
      "diff --git a/kubernetes/ns.yaml b/kubernetes/ns.yaml\ndeleted file mode 100644\n--- a/kubernetes/ns.yaml\n+++ /dev/null\n" +
      "@@ -1,4 +0,0 @@\n-apiVersion: v1\n-kind: Namespace\n-metadata:\n-  name: monitoring\n" +
      "--- a/kubernetes/other.yaml\n+++ b/kubernetes/other.yaml\n@@ -1 +1,6 @@\n a: 1\n+---\n+apiVersion: v1\n+kind: Namespace\n+metadata:\n+  name: monitoring\n";
    expect(verdictOf(diff).verdict).toBe("accepted");
  });
});

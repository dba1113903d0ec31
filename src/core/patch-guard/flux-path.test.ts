import { describe, expect, it } from "vitest";
import {
  checkPatch,
  fluxPathsNeedingFacts,
  type GuardFacts,
  guardRulesFrom,
  parseUnifiedDiff,
} from "./index.ts";

const KS = "kubernetes/apps/default/echo/ks.yaml";
const ksText = (path: string) =>
  [
    "apiVersion: kustomize.toolkit.fluxcd.io/v1",
    "kind: Kustomization",
    "metadata:",
    "  name: echo",
    "spec:",
    `  path: ${path}`,
    "  prune: true",
    "",
  ].join("\n");
const MOVE = `--- a/${KS}\n+++ b/${KS}\n@@ -6 +6 @@\n-  path: ./kubernetes/apps/default/echo-server/app\n+  path: ./kubernetes/apps/default/echo/app\n`;
const RULES = guardRulesFrom({ protected: [], secrets: [] }, { patchMaxFiles: 5, patchMaxLines: 80 });

function verdictOf(existing: string[]) {
  const parsed = parseUnifiedDiff(MOVE);
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  const facts: GuardFacts = {
    topLevelEntries: ["kubernetes"],
    existingPaths: [
      "kubernetes",
      "kubernetes/apps",
      "kubernetes/apps/default",
      "kubernetes/apps/default/echo",
      KS,
      ...existing,
    ],
    symlinks: [],
    oldContents: { [KS]: ksText("./kubernetes/apps/default/echo-server/app") },
  };
  return checkPatch(parsed.patch, facts, RULES);
}

describe("a patch that moves a Flux Kustomization's spec.path", () => {
  it("asks the adapter which folders the Kustomizations apply today", () => {
    expect(fluxPathsNeedingFacts({ [KS]: ksText("./kubernetes/apps/default/echo-server/app/") })).toEqual([
      "kubernetes/apps/default/echo-server/app",
    ]);
  });

  it("is accepted when the old path does not exist: it built nothing, so pruning takes nothing", () => {
    expect(verdictOf([]).verdict).toBe("accepted");
  });

  it("is refused when the old path exists: prune would delete what it produced", () => {
    const verdict = verdictOf(["kubernetes/apps/default/echo-server/app"]);
    expect(verdict.verdict === "refused" && verdict.reasons.join(" ")).toMatch(
      /changes spec\.path of the Flux Kustomization "echo" .*prune: true Flux deletes every object the old path produced/,
    );
  });
});

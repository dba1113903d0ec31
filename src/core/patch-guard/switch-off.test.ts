import { describe, expect, it } from "vitest";
import { checkPatch, type GuardFacts, guardRulesFrom, parseUnifiedDiff, rulesForStage } from "./index.ts";
import { switchOffProblems, switchOffRules } from "./switch-off.ts";

const CLUSTER = "name: lab\ningress:\n  mode: cloudflare-tunnel\n  tunnelId: 6f1c\nnodes:\n  - name: cp1\n";
const KUSTOMIZATION =
  "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: cloudflare-tunnel\nspec:\n  interval: 10m\n  path: ./kubernetes/apps/network/cloudflare-tunnel\n";
const VALUES =
  "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: kps\nspec:\n  values:\n    prometheus:\n      enabled: true\n    replicas: 2\n";
const SCRIPT =
  "#!/usr/bin/env bash\nset -euo pipefail\nkubectl -n network rollout status deploy/cloudflare-tunnel\n";

function diffOf(path: string, oldText: string, newText: string): string {
  const oldLines = oldText.trimEnd().split("\n");
  const newLines = newText.trimEnd().split("\n");
  return [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${oldLines.length} +1,${newLines.length} @@`,
    ...oldLines.map((line) => `-${line}`),
    ...newLines.map((line) => `+${line}`),
    "",
  ].join("\n");
}

function problems(path: string, oldText: string, newText: string): string[] {
  const parsed = parseUnifiedDiff(diffOf(path, oldText, newText));
  if (!parsed.ok) {
    throw new Error(parsed.reason);
  }
  return switchOffProblems(parsed.patch, { [path]: oldText });
}

describe("no green by switching off", () => {
  it("refuses the issue's patch: ingress.mode set to none in the cluster file", () => {
    const found = problems("config/clusters/lab.yaml", CLUSTER, CLUSTER.replace("cloudflare-tunnel", "none"));
    expect(found).toEqual([
      'config/clusters/lab.yaml: ingress.mode goes from "cloudflare-tunnel" to "none": that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off',
    ]);
  });

  it("refuses removing the ingress block, which leaves the tunnel check nothing to verify", () => {
    const found = problems("config/clusters/lab.yaml", CLUSTER, "name: lab\nnodes:\n  - name: cp1\n");
    expect(found.join("\n")).toMatch(/ingress\.mode goes from "cloudflare-tunnel" to removed/);
  });

  it("refuses suspending a Flux Kustomization, naming the object", () => {
    const found = problems(
      "kubernetes/apps/network/ks.yaml",
      KUSTOMIZATION,
      KUSTOMIZATION.replace("  interval: 10m\n", "  interval: 10m\n  suspend: true\n"),
    );
    expect(found).toEqual([
      "kubernetes/apps/network/ks.yaml: spec.suspend of the Kustomization cloudflare-tunnel is set to true: a suspended Flux object stops reconciling and reporting, so its stage would pass without the fix; only a human suspends it",
    ]);
  });

  it("refuses disabling a component and scaling it to zero", () => {
    const found = problems(
      "kubernetes/apps/observability/kps.yaml",
      VALUES,
      VALUES.replace("enabled: true", "enabled: false").replace("replicas: 2", "replicas: 0"),
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /spec\.values\.prometheus\.enabled of the HelmRelease kps goes from true to false/,
    );
    expect(found[1]).toMatch(/spec\.values\.replicas of the HelmRelease kps goes from 2 to 0/);
  });

  it("refuses emptying a value the checks compare against", () => {
    const found = problems(
      "config/clusters/lab.yaml",
      CLUSTER,
      CLUSTER.replace("tunnelId: 6f1c", 'tunnelId: ""'),
    );
    expect(found.join("\n")).toMatch(/ingress\.tunnelId is emptied \(was "6f1c"\)/);
  });

  it("refuses a script line that makes a failing command pass", () => {
    const found = problems(
      "scripts/check-tunnel.sh",
      SCRIPT,
      SCRIPT.replace("cloudflare-tunnel\n", "cloudflare-tunnel || true\n"),
    );
    expect(found.join("\n")).toMatch(/makes a failing command pass/);
  });

  it("accepts a real fix: a corrected value, a new component, a mode changed to another working mode", () => {
    expect(problems("config/clusters/lab.yaml", CLUSTER, CLUSTER.replace("6f1c", "7a2d"))).toEqual([]);
    expect(
      problems("config/clusters/lab.yaml", CLUSTER, CLUSTER.replace("cloudflare-tunnel", "gateway")),
    ).toEqual([]);
    expect(
      problems(
        "kubernetes/apps/observability/kps.yaml",
        VALUES,
        VALUES.replace("replicas: 2", "replicas: 3"),
      ),
    ).toEqual([]);
  });
});

describe("patches stay in their stage", () => {
  const stages = {
    vms: { needs: [], files: ["config/clusters/*.yaml"] },
    talos: { needs: ["vms"], files: ["talos/patches/**"] },
    infra: { needs: ["talos"], files: ["kubernetes/flux/**"] },
    ingress: { needs: ["infra"], files: ["kubernetes/apps/network/**"] },
    obs: { needs: ["infra"], files: ["kubernetes/apps/observability/**"] },
  };
  const rules = guardRulesFrom(
    { protected: [], secrets: [], stages },
    { patchMaxFiles: 5, patchMaxLines: 80 },
  );
  const facts = (path: string, text: string): GuardFacts => ({
    topLevelEntries: ["config", "talos", "kubernetes"],
    existingPaths: [...new Set(path.split("/").map((_, i, all) => all.slice(0, i + 1).join("/")))],
    symlinks: [],
    oldContents: { [path]: text },
  });
  const verdictFor = (stage: string, path: string) => {
    const parsed = parseUnifiedDiff(diffOf(path, "a: 1\n", "a: 2\n"));
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    return checkPatch(parsed.patch, facts(path, "a: 1\n"), rulesForStage(rules, stage));
  };

  it("accepts a fix in the stage's own files and in the files of a stage it needs, transitively", () => {
    expect(verdictFor("obs", "kubernetes/apps/observability/kps.yaml").verdict).toBe("accepted");
    expect(verdictFor("obs", "talos/patches/controller/metrics.yaml").verdict).toBe("accepted");
  });

  it("refuses a fix for obs in the ingress stage's files, saying whose files it may change", () => {
    const verdict = verdictFor("obs", "kubernetes/apps/network/tunnel.yaml");
    expect(verdict).toEqual({
      verdict: "refused",
      reasons: [
        "kubernetes/apps/network/tunnel.yaml is outside the obs stage: a fix for obs may change only the files: of obs, vms, talos, infra in ai/context_map.yaml (kubernetes/apps/observability/**, config/clusters/*.yaml, talos/patches/**, kubernetes/flux/**); a change elsewhere belongs to another stage or a human",
      ],
    });
  });

  it("holds no scope for a check without a stage (patches check) or a stage that names no files", () => {
    const parsed = parseUnifiedDiff(diffOf("elsewhere/x.yaml", "a: 1\n", "a: 2\n"));
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    const loose = guardRulesFrom(
      { protected: [], secrets: [], stages: { solo: { needs: [], files: [] } } },
      { patchMaxFiles: 5, patchMaxLines: 80 },
    );
    const withFacts = { ...facts("elsewhere/x.yaml", "a: 1\n"), topLevelEntries: ["elsewhere"] };
    expect(checkPatch(parsed.patch, withFacts, rules).verdict).toBe("accepted");
    expect(checkPatch(parsed.patch, withFacts, rulesForStage(loose, "solo")).verdict).toBe("accepted");
  });
});

describe("a switch-off proposed for approval when the setting allows", () => {
  const stages = { ingress: { needs: [], files: ["config/**"], approval: undefined } };
  const rulesWith = (approval: { default?: "auto" | "propose"; api?: "auto" | "propose" }) =>
    guardRulesFrom({ protected: [], secrets: [], stages }, { patchMaxFiles: 5, patchMaxLines: 80, approval });
  const path = "config/cluster.yaml";
  const facts: GuardFacts = {
    topLevelEntries: ["config"],
    existingPaths: ["config", path],
    symlinks: [],
    oldContents: { [path]: CLUSTER },
  };
  const verdictFor = (rules: ReturnType<typeof rulesWith>, newText: string, source = "api") => {
    const parsed = parseUnifiedDiff(diffOf(path, CLUSTER, newText));
    if (!parsed.ok) {
      throw new Error(parsed.reason);
    }
    return checkPatch(parsed.patch, facts, rulesForStage(rules, "ingress", source));
  };
  const switchedOff = CLUSTER.replace("mode: cloudflare-tunnel", "mode: none");
  const reason =
    'config/cluster.yaml: ingress.mode goes from "cloudflare-tunnel" to "none": that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off';

  it("refuses it where the source's fixes run at once (the default)", () => {
    expect(verdictFor(rulesWith({}), switchedOff)).toEqual({ verdict: "refused", reasons: [reason] });
  });

  it("lets it through with its reasons where the source's fixes are proposed for approval", () => {
    expect(verdictFor(rulesWith({ api: "propose" }), switchedOff)).toEqual({
      verdict: "accepted",
      files: [path],
      changedLines: 12,
      switchOffs: [reason],
    });
    // Another source's fixes still run at once: its switch-off stays refused.
    expect(verdictFor(rulesWith({ api: "propose" }), switchedOff, "memory").verdict).toBe("refused");
  });

  it("still refuses it when another rule is broken, with both reasons", () => {
    const verdict = verdictFor({ ...rulesWith({ default: "propose" }), maxChangedLines: 4 }, switchedOff);
    expect(verdict.verdict === "refused" && verdict.reasons).toEqual([
      "the patch changes 12 lines; at most 4 are allowed (patch_max_lines), so make it smaller or ask a human",
      reason,
    ]);
  });

  it("tells the model a switch-off goes to a human under that setting, and is refused otherwise", () => {
    expect(switchOffRules("refuse")).toContain("Scaling `replicas` from a positive number to 0 is refused.");
    const proposed = switchOffRules("propose");
    expect(proposed[0]).toContain("is not run: it is proposed for a human to approve or reject");
    expect(proposed).toContain("Scaling `replicas` from a positive number to 0 is proposed for a human.");
    expect(proposed.at(-1)).toContain(
      "the context map (success_criteria and their expectations) cannot be patched",
    );
  });
});

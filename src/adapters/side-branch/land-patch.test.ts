import { afterEach, describe, expect, it } from "vitest";
import type { JournalEvent } from "../../core/journal/index.ts";
import { guardRulesFrom } from "../../core/patch-guard/index.ts";
import {
  HOMELAB_FILES,
  HOMELAB_RULES,
  type HomelabRepo,
  makeHomelabRepo,
  STORAGE_FIX,
} from "./homelab-repo.fixture.ts";
import { SideBranch } from "./index.ts";
import { landPatch } from "./land-patch.ts";

const META = { stage: "vms", summary: "use the ZFS storage", fingerprint: "3f9a1c0de2b4", source: "api" };

const repos: HomelabRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) {
    repo.cleanup();
  }
});

describe("landPatch and patches already reverted", () => {
  it("refuses a patch already tried and reverted for the same error, before it is applied again", async () => {
    const repo = makeHomelabRepo();
    repos.push(repo);
    const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
    const events: JournalEvent[] = [];
    const deps = {
      repoRoot: repo.root,
      sideBranch,
      rules: HOMELAB_RULES,
      journal: async (event: JournalEvent) => {
        events.push(event);
      },
    };
    const first = await landPatch(deps, STORAGE_FIX, META);
    expect(first.status).toBe("applied");
    const commit = first.status === "applied" ? first.commit : "";
    await sideBranch.revert(commit, "tried, did not help: the same error came back");
    const head = await sideBranch.headCommit();

    const again = await landPatch(deps, STORAGE_FIX, META);
    expect(again.status).toBe("refused");
    expect(again.status === "refused" && again.reasons).toEqual([
      `this patch was already tried for this error as ${commit.slice(0, 10)} and reverted because the same error came back; propose a different fix`,
    ]);
    expect(await sideBranch.headCommit()).toBe(head);
    expect(events.at(-1)).toMatchObject({ type: "patch_refused", stage: "vms" });

    // For another error the same change is a new attempt.
    expect((await landPatch(deps, STORAGE_FIX, { ...META, fingerprint: "77aa00bb11cc" })).status).toBe(
      "applied",
    );
  });
});

describe("landPatch and a switch-off", () => {
  it("refuses the issue's patch that sets ingress.mode: none for the ingress stage, and records why", async () => {
    const cluster = "proxmox:\n  node: pve\ningress:\n  mode: cloudflare-tunnel\n  tunnel: homelab\n";
    const repo = makeHomelabRepo({ ...HOMELAB_FILES, "config/clusters/prox-n100.yaml": cluster });
    repos.push(repo);
    const sideBranch = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
    const rules = guardRulesFrom(
      {
        protected: [],
        secrets: [],
        stages: {
          vms: { needs: [], files: ["config/clusters/*.yaml"] },
          infra: { needs: ["vms"], files: ["kubernetes/flux/**"] },
          ingress: { needs: ["infra"], files: ["kubernetes/apps/network/**"] },
        },
      },
      { patchMaxFiles: 5, patchMaxLines: 80 },
    );
    const diff = [
      "--- a/config/clusters/prox-n100.yaml",
      "+++ b/config/clusters/prox-n100.yaml",
      "@@ -3,3 +3,3 @@",
      " ingress:",
      "-  mode: cloudflare-tunnel",
      "+  mode: none",
      "   tunnel: homelab",
      "",
    ].join("\n");
    const head = await sideBranch.headCommit();
    const landed = await landPatch(
      { repoRoot: repo.root, sideBranch, rules, journal: async () => undefined },
      diff,
      { ...META, stage: "ingress", summary: "turn the tunnel off" },
    );
    expect(landed.status === "refused" && landed.reasons).toEqual([
      'config/clusters/prox-n100.yaml: ingress.mode goes from "cloudflare-tunnel" to "none": that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off',
    ]);
    expect(await sideBranch.headCommit()).toBe(head);
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HOMELAB_RULES,
  type HomelabRepo,
  hashTree,
  makeHomelabRepo,
} from "../side-branch/homelab-repo.fixture.ts";
import { SideBranch } from "../side-branch/index.ts";
import { commitEdit } from "./index.ts";

const META = { stage: "vms", summary: "use local-zfs", fingerprint: "f00d", source: "api", caseId: "c1" };
const STORAGE_SEARCH_REPLACE = [
  "The node has no local-lvm storage; local-zfs exists.",
  "",
  "config/clusters/prox-n100.yaml",
  "```yaml",
  "<<<<<<< SEARCH",
  "  node: pve",
  "  storage: local-lvm",
  "=======",
  "  node: pve",
  "  storage: local-zfs",
  ">>>>>>> REPLACE",
  "```",
  "",
].join("\n");

let repo: HomelabRepo;
let side: SideBranch;

beforeEach(async () => {
  repo = makeHomelabRepo();
  side = await SideBranch.open({ repoRoot: repo.root, branch: "ai/orchestrator-stage1" });
});
afterEach(() => repo.cleanup());

describe("commitEdit", () => {
  it("commits a SEARCH/REPLACE answer on the AI branch as its canonical diff", async () => {
    const committed = await commitEdit(side, STORAGE_SEARCH_REPLACE, META, HOMELAB_RULES);
    expect(committed).toMatchObject({
      status: "applied",
      format: "search-replace",
      files: ["config/clusters/prox-n100.yaml"],
      changedLines: 2,
    });
    expect(committed.diff).toMatch(
      /^diff --git a\/config\/clusters\/prox-n100\.yaml b\/config\/clusters\/prox-n100\.yaml\n/,
    );
    expect(await side.readFileAtTip("config/clusters/prox-n100.yaml")).toContain("storage: local-zfs");
    expect(repo.run(["show", "--format=%s", "--stat", "ai/orchestrator-stage1"])).toMatch(
      /^ai\(vms\): use local-zfs/,
    );
  });

  it("refuses an edit whose context matches two places, and the branch, worktree and checkout stay as they were", async () => {
    const before = {
      tip: await side.headCommit(),
      worktree: hashTree(side.worktree, [".git"]),
      checkout: hashTree(repo.root, [".git", "ai"]),
    };
    const twice =
      "kubernetes/apps/monitoring/helmrelease.yaml\n<<<<<<< SEARCH\n  namespace: monitoring\n=======\n  namespace: observability\n>>>>>>> REPLACE\n";
    const refused = await commitEdit(side, twice, META, HOMELAB_RULES);
    expect(refused).toMatchObject({ status: "refused", refusals: [{ kind: "ambiguous" }] });
    expect(refused.status === "refused" ? refused.reasons[0] : "").toContain(
      "matches 2 places in kubernetes/apps/monitoring/helmrelease.yaml (lines 5, 13)",
    );
    expect({
      tip: await side.headCommit(),
      worktree: hashTree(side.worktree, [".git"]),
      checkout: hashTree(repo.root, [".git", "ai"]),
    }).toEqual(before);
  });
});

import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";
import { DEFAULT_LOCAL_STATE } from "../../config/schema.ts";
import { SideBranch } from "../side-branch/index.ts";
import { linkLocalState } from "./index.ts";

const repos: string[] = [];
afterEach(() => {
  repos.splice(0);
});

/** An OpenTofu repo as a user keeps it: state and providers ignored, present only in their checkout. */
function tofuRepo(stage = "    command: ./apply.sh") {
  const root = makeHomelabRepo({
    ".gitignore": "*.tfstate\n*.tfstate.backup\n.terraform/\n*.auto.tfvars\nnode_modules/\n",
    "ai/context_map.yaml": contextMap(`  vms:\n${stage}`),
    "infra/main.tf": 'resource "proxmox_virtual_environment_vm" "cp1" {}\n',
    "apply.sh":
      "#!/usr/bin/env bash\nset -e\ncd infra\ngrep -q '\"serial\": 7' terraform.tfstate\ntest -f .terraform/providers/bpg.txt\necho '{\"serial\": 8}' > terraform.tfstate\n",
  });
  repos.push(root);
  writeFileSync(join(root, "infra", "terraform.tfstate"), '{"serial": 7}\n');
  mkdirSync(join(root, "infra", ".terraform", "providers"), { recursive: true });
  writeFileSync(join(root, "infra", ".terraform", "providers", "bpg.txt"), "bpg/proxmox 0.66\n");
  writeFileSync(join(root, "infra", "lab.auto.tfvars"), 'token = "x"\n');
  mkdirSync(join(root, "node_modules", "left-pad"), { recursive: true });
  return root;
}

describe("linkLocalState", () => {
  it("links the ignored state a glob names, and nothing tracked or unnamed", async () => {
    const root = tofuRepo();
    const side = await SideBranch.open({ repoRoot: root, branch: "ai/orchestrator-stage1" });
    const result = await linkLocalState({
      repoRoot: root,
      gitTop: root,
      worktreeRoot: side.worktree,
      globs: DEFAULT_LOCAL_STATE,
    });
    expect(result.linked.sort()).toEqual([
      "infra/.terraform",
      "infra/lab.auto.tfvars",
      "infra/terraform.tfstate",
    ]);
    expect(lstatSync(join(side.worktree, "infra/terraform.tfstate")).isSymbolicLink()).toBe(true);
    expect(readdirSync(side.worktree)).not.toContain("node_modules");
    expect(lstatSync(join(side.worktree, "infra/main.tf")).isSymbolicLink()).toBe(false);
    // Linked state is invisible to git in the worktree: nothing to harvest, nothing to commit.
    expect(await side.harvest()).toBe("");
  });

  it("removes its links when a stage opts out with local_state: []", async () => {
    const root = tofuRepo();
    const side = await SideBranch.open({ repoRoot: root, branch: "ai/orchestrator-stage1" });
    await linkLocalState({
      repoRoot: root,
      gitTop: root,
      worktreeRoot: side.worktree,
      globs: DEFAULT_LOCAL_STATE,
    });
    const result = await linkLocalState({
      repoRoot: root,
      gitTop: root,
      worktreeRoot: side.worktree,
      globs: [],
    });
    expect(result.linked).toEqual([]);
    expect(() => lstatSync(join(side.worktree, "infra/terraform.tfstate"))).toThrow(/ENOENT/);
  });

  it("never links over a real file the worktree already has", async () => {
    const root = tofuRepo();
    const side = await SideBranch.open({ repoRoot: root, branch: "ai/orchestrator-stage1" });
    writeFileSync(join(side.worktree, "infra", "terraform.tfstate"), "{}\n");
    const result = await linkLocalState({
      repoRoot: root,
      gitTop: root,
      worktreeRoot: side.worktree,
      globs: DEFAULT_LOCAL_STATE,
    });
    expect(result.blocked).toEqual(["infra/terraform.tfstate"]);
    expect(readFileSync(join(side.worktree, "infra", "terraform.tfstate"), "utf8")).toBe("{}\n");
  });
});

describe("a stage with local state", () => {
  it("runs against the user's Terraform state, which stays one reality, and its log says what was linked", async () => {
    const root = tofuRepo();
    const run = await runInProcess(["vms"], root, { env: testEnv({}) });
    expect(run.code).toBe(0);
    // The stage wrote its new state through the link: the user's file is the one that changed.
    expect(readFileSync(join(root, "infra", "terraform.tfstate"), "utf8")).toBe('{"serial": 8}\n');
    const logs = readdirSync(join(root, "ai", "logs", "vms"));
    const log = readFileSync(join(root, "ai", "logs", "vms", logs[0] as string), "utf8");
    expect(log).toMatch(/linked from your checkout: .*infra\/terraform\.tfstate/);
    expect(git(root, "status", "--porcelain")).toBe("");
  });

  it("runs without it when the stage opts out", async () => {
    const root = tofuRepo("    command: ./apply.sh\n    local_state: []");
    const run = await runInProcess(["vms"], root, {
      env: testEnv({ EXECUTOR: "none", API_CALL_BUDGET: "0", EXECUTOR_RETRY_THRESHOLD: "1" }),
    });
    expect(run.code).toBe(1);
    expect(readFileSync(join(root, "infra", "terraform.tfstate"), "utf8")).toBe('{"serial": 7}\n');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixtureRepo, standIns } from "../../test/fixtures/repos/adopt-helpers.ts";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { git } from "../../test/helpers/homelab-repo.ts";
import { parseContextMap } from "../config/index.ts";
import { checkDiagnostic } from "../core/diagnostics-policy/index.ts";

async function adoptAndRun(root: string, env: NodeJS.ProcessEnv) {
  const init = await runInProcess(["init"], root, { env });
  expect(init.code, init.stderr).toBe(0);
  git(root, "add", "ai", ".gitignore");
  git(root, "commit", "-qm", "orchestrator");
  const all = await runInProcess(["all"], root, { env });
  return { init, all, map: parseContextMap(readFileSync(join(root, "ai/context_map.yaml"), "utf8")) };
}

function expectOnlyAllowedDiagnostics(map: ReturnType<typeof parseContextMap>) {
  for (const spec of Object.values(map.stages)) {
    for (const prefix of spec.diagnostics) {
      expect(checkDiagnostic(prefix, spec.diagnostics).verdict, prefix).toBe("allowed");
    }
  }
}

describe("init adopts the homelab a repo already is", () => {
  it("a Packer + Terraform + talhelper repo gets stages for packer, terraform and talhelper, and all runs them with its state", async () => {
    const root = fixtureRepo("terraform-talhelper", {
      "terraform/terraform.tfstate": JSON.stringify({ version: 4, serial: 41, resources: [] }),
      "terraform/secrets.auto.tfvars":
        'proxmox_endpoint  = "https://pve.lan:8006/"\nproxmox_api_token = "root@pam!tf=0000"\n',
      "talos/talsecret.yaml": "cluster:\n  id: abc\n",
    });
    const { env, log } = standIns();
    const { init, all, map } = await adoptAndRun(root, env);
    expect(init.stdout).toContain("adopting what this repo uses: packer, terraform, talhelper");
    expect(Object.keys(map.stages)).toEqual(["image", "vms", "talos"]);
    expect(map.stages["vms"]).toMatchObject({
      command: "terraform init -input=false && terraform apply -input=false -auto-approve",
      cwd: "terraform",
      needs: ["image"],
      files: ["terraform/*.tf", "terraform/.terraform.lock.hcl"],
    });
    // The repo's own recipe does the talos stage's job, so the stage calls it; its checks run in talos/.
    expect(map.stages["talos"]).toMatchObject({
      command: "just talos-apply",
      files: ["talos/talconfig.yaml", "talos/talenv.yaml", "justfile"],
    });
    expect(map.stages["talos"]?.cwd).toBeUndefined();
    expect(map.stages["talos"]?.success_criteria[0]?.command).toBe(
      "cd talos && talhelper validate talconfig talconfig.yaml",
    );
    expect(init.stderr).toContain('files glob "terraform/*.tofu" matches no file here');
    expectOnlyAllowedDiagnostics(map);
    const memo = readFileSync(join(root, "ai/master_memo.md"), "utf8");
    expect(memo).toContain("bpg/proxmox provider (0.78.0)");
    expect(memo).toContain("node talos-cp-1 192.168.1.11 (control plane)");
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toMatch(/image: green\nvms: green\ntalos: green/);
    // The user's own state file was applied to (serial 41 → 42), not a fresh one in the worktree.
    expect(JSON.parse(readFileSync(join(root, "terraform/terraform.tfstate"), "utf8")).serial).toBe(42);
    expect(readFileSync(log, "utf8")).toMatch(
      /^terraform apply .* @ .*\/homelab-orchestrator\/worktrees\/[^/\n]+\/terraform$/m,
    );
    expect(readFileSync(log, "utf8")).toMatch(
      /^talosctl apply-config .* @ .*\/homelab-orchestrator\/worktrees\/[^/\n]+\/talos$/m,
    );
  });

  it("an OpenTofu repo with local state and Argo CD gets tofu and argocd stages, and its state stays one file", async () => {
    const root = fixtureRepo("tofu-local-state", {
      "terraform.tfstate": JSON.stringify({ version: 4, serial: 7, resources: [] }),
      "terraform.tfvars": 'nodes = { cp1 = { ip = "192.168.1.21" } }\n',
    });
    const { env, log } = standIns();
    const { init, all, map } = await adoptAndRun(root, env);
    expect(init.stdout).toContain("adopting what this repo uses: terraform, argocd");
    expect(Object.keys(map.stages)).toEqual(["vms", "gitops"]);
    // mise.toml's `apply` task runs tofu init and apply: the stage calls it from the repo's top.
    expect(map.stages["vms"]?.command).toBe("mise run apply");
    expect(map.stages["vms"]?.success_criteria[0]?.command).toBe(
      "tofu plan -input=false -lock=false -detailed-exitcode",
    );
    expect(map.stages["gitops"]?.success_criteria[0]?.command).toContain("applications.argoproj.io");
    expectOnlyAllowedDiagnostics(map);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(root, "terraform.tfstate"), "utf8")).serial).toBe(8);
    // verify runs the adopted stage's own check once, in the user's checkout.
    const verify = await runInProcess(["verify", "vms"], root, { env });
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toContain("verify vms: 1 check(s) passed");
    expect(readFileSync(log, "utf8")).toContain("argocd app sync --async argocd/root");
    expect(readFileSync(log, "utf8")).toMatch(
      /^mise run apply @ .*\ntofu init -input=false @ .*\ntofu apply -input=false -auto-approve @ /m,
    );
    expect(readFileSync(log, "utf8")).not.toMatch(/^terraform /m);
  });

  it("a cluster-template repo gets its just recipes and flux-operator, with cluster.toml as local state", async () => {
    const root = fixtureRepo("cluster-template", {
      "cluster.toml": 'node_cidr = "192.168.1.0/24"\n',
      kubeconfig: "apiVersion: v1\nkind: Config\n",
    });
    const { env, log } = standIns();
    const { init, all, map } = await adoptAndRun(root, env);
    expect(init.stdout).toContain("adopting what this repo uses: cluster-template, flux");
    expect(Object.keys(map.stages)).toEqual(["configure", "talos", "apps", "gitops"]);
    expect(map.local_state).toContain("cluster.toml");
    expect(map.stages["gitops"]?.command).toBe(
      "flux --namespace flux-system reconcile kustomization flux-system --with-source",
    );
    expectOnlyAllowedDiagnostics(map);
    expect(readFileSync(join(root, "ai/master_memo.md"), "utf8")).toContain("Flux via flux-operator");
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(Object.values(map.stages).map((stage) => stage.command)).toEqual([
      "just configure",
      "just bootstrap talos",
      "just bootstrap apps",
      "flux --namespace flux-system reconcile kustomization flux-system --with-source",
    ]);
    expect(readFileSync(log, "utf8")).toMatch(
      /^just bootstrap talos @ .*\/homelab-orchestrator\/worktrees\/[^/\n]+$/m,
    );
    // The recipes ran their own commands where just runs them: the template module from the top
    // (set working-directory := '..'), talos-apply in talos/ ([working-directory('../talos')]).
    expect(readFileSync(log, "utf8")).toMatch(/^uv run --locked makejinja @ .*\/worktrees\/[^/\n]+$/m);
    expect(readFileSync(log, "utf8")).toMatch(
      /^topf apply --auto-bootstrap --confirm=false @ .*\/worktrees\/[^/\n]+\/talos$/m,
    );
    expect(readFileSync(join(root, "cluster.toml"), "utf8")).toContain("192.168.1.0/24");
  });

  it("a repo with none of these tools gets the built-in pack; --pack builtin forces it; --dry-run writes nothing", async () => {
    const bare = fixtureRepo("tofu-local-state", {});
    const dry = await runInProcess(["init", "--dry-run"], bare, { env: testEnv() });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("--- would write ai/context_map.yaml");
    expect(git(bare, "status", "--porcelain")).toBe("");
    const builtin = await runInProcess(["init", "--pack", "builtin"], bare, { env: testEnv() });
    expect(builtin.stdout).toContain("using the built-in stage pack");
    expect(readFileSync(join(bare, "ai/context_map.yaml"), "utf8")).toContain("orchestrator step vms");
    const bad = await runInProcess(["init", "--pack", "ansible"], bare, { env: testEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--pack ansible: unknown pack");
  });

  it("a repo with an existing Talos secrets bundle is told where the built-in pack keeps it", async () => {
    const root = fixtureRepo("tofu-local-state", {});
    writeFileSync(join(root, "secrets.yaml"), "cluster:\n  id: abc\nsecrets:\n  bootstraptoken: x\n");
    const init = await runInProcess(["init", "--pack", "builtin", "--dry-run"], root, { env: testEnv() });
    expect(init.stderr).toContain(
      "found an existing Talos secrets bundle at secrets.yaml: the talos stage generates talos/secrets.yaml only when it is absent",
    );
  });

  it("init outside a git repository fails with one line and writes nothing", async () => {
    const folder = mkdtempSync(join(tmpdir(), "not-git-"));
    const result = await runInProcess(["init"], folder, { env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("is not inside a git repository");
  });
});

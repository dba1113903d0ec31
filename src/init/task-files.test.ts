import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { adoptedStages, packsFor } from "./adopt-stages.ts";
import { detectRepo } from "./detect.ts";

function repoWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "tasks-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function stagesOf(root: string) {
  const facts = await detectRepo(root);
  return { facts, stages: adoptedStages(facts, packsFor(facts)) };
}

const TALCONFIG =
  "clusterName: home\nnodes:\n  - hostname: cp-1\n    ipAddress: 192.168.1.11\n    controlPlane: true\n";
const MAIN_TF =
  'terraform {\n  required_providers {\n    proxmox = {\n      source = "bpg/proxmox"\n    }\n  }\n}\n';

describe("init calls the repo's own tasks for the stages they do", () => {
  it("uses an included Taskfile's task (namespace:task) that applies the talhelper configs, not one that resets nodes", async () => {
    // go-task Taskfile v3 with includes, the shape of onedr0p/cluster-template before just.
    const root = repoWith({
      "talos/talconfig.yaml": TALCONFIG,
      "Taskfile.yaml": [
        "version: '3'",
        "includes:",
        "  talos: ./.taskfiles/talos",
        "tasks:",
        "  default: task --list",
      ].join("\n"),
      ".taskfiles/talos/Taskfile.yaml": [
        "version: '3'",
        "tasks:",
        "  reset:",
        "    cmds:",
        "      - talhelper gencommand reset --extra-flags=--reboot | bash",
        "      - talhelper gencommand apply | bash",
        "  apply:",
        "    desc: Apply the Talos config to every node",
        "    dir: talos",
        "    cmds:",
        "      - talhelper genconfig",
        "      - task: apply-nodes",
        "  apply-nodes:",
        "    internal: true",
        "    cmds:",
        "      - cmd: talhelper gencommand apply | bash",
      ].join("\n"),
    });
    const { stages } = await stagesOf(root);
    expect(stages.find((stage) => stage.name === "talos")).toMatchObject({
      command: "task talos:apply",
      files: ["talos/talconfig.yaml", "talos/patches/**", ".taskfiles/talos/Taskfile.yaml"],
      checks: [
        { command: "cd talos && talhelper validate talconfig talconfig.yaml" },
        { command: "cd talos && talhelper gencommand health | bash" },
      ],
    });
    expect(stages.find((stage) => stage.name === "talos")?.cwd).toBeUndefined();
  });

  it("uses a mise [tasks] shorthand that runs terraform -chdir=infra apply, and keeps the plan check in infra", async () => {
    const root = repoWith({
      "infra/main.tf": MAIN_TF,
      "mise.toml": [
        "[tools]",
        'terraform = "1.9.8"',
        "",
        "[tasks]",
        'nuke = "terraform -chdir=infra destroy -auto-approve && terraform -chdir=infra apply"',
        'vms = "terraform -chdir=infra apply -input=false -auto-approve" # the VMs',
        "",
        '[tasks."vms:plan"]',
        "run = '''",
        "terraform -chdir=infra plan",
        "'''",
      ].join("\n"),
    });
    const { stages, facts } = await stagesOf(root);
    expect(facts.tasks.map((task) => task.invocation)).toEqual([
      "mise run nuke",
      "mise run vms",
      "mise run vms:plan",
    ]);
    expect(stages.find((stage) => stage.name === "vms")).toMatchObject({
      command: "mise run vms",
      checks: [{ command: "cd infra && terraform plan -input=false -lock=false -detailed-exitcode" }],
    });
  });

  it("keeps the tool's own command when no task does the stage's job", async () => {
    const root = repoWith({
      "main.tf": MAIN_TF,
      justfile: "plan:\n    terraform plan\n\n[private]\n_apply:\n    terraform apply\n",
    });
    const { stages } = await stagesOf(root);
    expect(stages.find((stage) => stage.name === "vms")?.command).toBe(
      "terraform init -input=false && terraform apply -input=false -auto-approve",
    );
  });

  it("reads broken task files as having no tasks, without failing init", async () => {
    const root = repoWith({
      "main.tf": MAIN_TF,
      "Taskfile.yml": "version: '3'\ntasks: [: not yaml\n",
      justfile: "\u0000:\n    }{\n[unclosed\n",
      "mise.toml": "[tasks\nrun = '''never closed\n",
    });
    const { stages } = await stagesOf(root);
    expect(stages.map((stage) => stage.name)).toEqual(["vms"]);
  });
});

import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { unsetTerraformVariables } from "./terraform-variables.ts";

/** A `terraform` on PATH that only records that it ran. */
function terraformOnPath(): { env: NodeJS.ProcessEnv; ran: string } {
  const bin = mkdtempSync(join(tmpdir(), "tf-bin-"));
  const ran = join(bin, "ran");
  writeFileSync(join(bin, "terraform"), `#!/bin/sh\necho "$@" >> "${ran}"\n`);
  chmodSync(join(bin, "terraform"), 0o755);
  return { env: testEnv({ PATH: `${bin}:${process.env["PATH"]}` }), ran };
}

/** Shapes from bpg/terraform-provider-proxmox example/variables.tf, plus what real repos add. */
const VARIABLES = `variable "proxmox_endpoint" {
  description = "The endpoint for the Proxmox Virtual Environment API (example: https://host:port)"
  type        = string
}

variable "proxmox_api_token" {
  type      = string
  sensitive = true
}

variable "node_name" {
  type    = string
  default = "pve"
}

variable "nodes" {
  description = <<-EOT
    Every node { name, ip }. A line such as
    default = "x"
    in here is text, not a default.
  EOT
  type = map(object({ ip = string }))
  validation {
    condition     = alltrue([for n in var.nodes : can(cidrhost("\${n.ip}/32", 0))])
    error_message = "Each ip must be an address; } and { in here are text."
  }
}
`;

describe("preflight: Terraform variables without a value", () => {
  it("names every variable with no default and no value, and where to set it, before anything runs", async () => {
    const root = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  vms:\n    command: terraform -chdir=infra apply -input=false -auto-approve",
      ),
      "infra/variables.tf": VARIABLES,
      "infra/terraform.tfvars": 'proxmox_endpoint = "https://pve.lan:8006/"\n',
    });
    const { env, ran } = terraformOnPath();
    const result = await runInProcess(["vms"], root, { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      'orchestrator: stage vms: Terraform variables proxmox_api_token, nodes have no default and no value, so the run would stop at "No value for required variable": set them in infra/terraform.tfvars or a *.auto.tfvars file (kept out of git when secret), or export TF_VAR_proxmox_api_token, TF_VAR_nodes',
    ]);
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(join(root, "ai/logs"))).toBe(false);
  });

  it("names a -var-file that git ignores and no local_state glob links, and passes once one does", async () => {
    const stage = "  vms:\n    command: terraform -chdir=infra apply -input=false -var-file=lab.tfvars\n";
    const root = makeHomelabRepo({
      ".gitignore": "*.tfvars\n",
      "ai/context_map.yaml": contextMap(stage),
      "infra/variables.tf": 'variable "nodes" {}\n',
    });
    writeFileSync(join(root, "infra/lab.tfvars"), "nodes = {}\n");
    const { env } = terraformOnPath();
    const result = await runInProcess(["vms"], root, { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'orchestrator: stage vms reads infra/lab.tfvars, which git ignores and no local_state glob names, so the AI worktree would not have it: add "infra/lab.tfvars" to local_state in ai/context_map.yaml',
    );
    const linked = makeHomelabRepo({
      ".gitignore": "*.tfvars\n",
      "ai/context_map.yaml": `version: 1\nlocal_state: ["**/*.tfvars"]\nstages:\n${stage}`,
      "infra/variables.tf": 'variable "nodes" {}\n',
    });
    writeFileSync(join(linked, "infra/lab.tfvars"), "nodes = {}\n");
    const passed = await runInProcess(["vms"], linked, { env });
    expect(passed.code, passed.stderr).toBe(0);
  });

  it("counts TF_VAR_ in the environment, *.auto.tfvars.json, -var and -var-file as values", async () => {
    const root = makeHomelabRepo({
      "infra/variables.tf": VARIABLES,
      "infra/secrets.auto.tfvars.json": '{ "proxmox_api_token": "root@pam!tf=x" }\n',
      "infra/lab.tfvars": 'nodes = {\n  cp1 = { ip = "192.168.1.21" }\n}\n',
    });
    const command =
      "terraform apply -input=false -var-file=lab.tfvars -var 'proxmox_endpoint=https://pve:8006/'";
    expect(await unsetTerraformVariables(root, command, "infra", {})).toBeUndefined();
    expect(await unsetTerraformVariables(root, "terraform apply", "infra", { TF_VAR_nodes: "{}" })).toEqual({
      dir: "infra",
      names: ["proxmox_endpoint"],
    });
    expect(await unsetTerraformVariables(root, "tofu plan", "infra", {})).toEqual({
      dir: "infra",
      names: ["proxmox_endpoint", "nodes"],
    });
    expect(await unsetTerraformVariables(root, "echo terraform", "infra", {})).toBeUndefined();
    // A check init wrote for a stage that calls the repo's task: `cd <module> && tofu plan …`.
    expect(await unsetTerraformVariables(root, "cd infra && tofu plan -input=false", ".", {})).toEqual({
      dir: "infra",
      names: ["proxmox_endpoint", "nodes"],
    });
  });

  it("reads a hostile or broken module without crashing, and still names what it could read", async () => {
    const root = makeHomelabRepo({
      "variables.tf": `${VARIABLES}variable "after_heredoc" {}\nvariable "broken" {\n  description = <<EOT\nnever closed\n`,
      "odd.tf": '}}} {{ "unterminated\n\u0000\u0007 variable = \nvariable "x" { default = 1 }\n',
      "terraform.tfvars.json": "{ not json",
    });
    const unset = await unsetTerraformVariables(root, "terraform plan", ".", {});
    expect(unset?.names).toEqual([
      "proxmox_endpoint",
      "proxmox_api_token",
      "nodes",
      "after_heredoc",
      "broken",
    ]);
  });
});

import { DEFAULT_LOCAL_STATE } from "../config/schema.ts";
import type { AdoptedStage, AdoptPack } from "./adopt-stages.ts";
import type { RepoFacts } from "./detect.ts";

const quote = (text: string) => JSON.stringify(text);
const list = (items: readonly string[]) => `[${items.map(quote).join(", ")}]`;

/** Secrets the adopted tools keep in the repo folder: never quoted into a case file. */
const ADOPTED_SECRETS = [
  "**/*.tfstate",
  "**/*.tfstate.backup",
  "**/*.tfvars",
  "**/*.tfvars.json",
  "**/talsecret*.yaml",
  "**/clusterconfig/**",
  "**/talosconfig",
  "**/kubeconfig",
  "**/secrets.yaml",
  "**/*.sops.yaml",
  "**/*.agekey",
  "**/age.key",
  "**/*.key",
  ".env",
];

/** cluster-template keeps these ignored files at its top (its .gitignore and template/mod.just). */
const CLUSTER_TEMPLATE_LOCAL_STATE = [
  "cluster.toml",
  "age.key",
  "deploy.key",
  "flux-webhook-token.txt",
  "cloudflare-tunnel.json",
];

/** The context map for the stages adopted from the repo's own tooling. */
export function renderAdoptedContextMap(stages: AdoptedStage[], packs: readonly AdoptPack[]): string {
  const localState = packs.includes("cluster-template")
    ? [...DEFAULT_LOCAL_STATE, ...CLUSTER_TEMPLATE_LOCAL_STATE]
    : DEFAULT_LOCAL_STATE;
  const lines = [
    "# yaml-language-server: $schema=./context_map.schema.json",
    `# Written by "orchestrator init" from what this repo already uses (${packs.join(", ")}).`,
    "# Each stage runs your own tooling in the AI branch's worktree, with the ignored local state",
    "# below (state files, credentials) linked in from this checkout. Edit freely: this file is yours;",
    "# the tool and its AI helpers never change it.",
    "version: 1",
    "",
    "settings:",
    "  executor_retry_threshold: 3",
    "  api_call_budget: 3",
    "",
    "secrets:                       # never read into a case file, on top of the built-in list",
    ...ADOPTED_SECRETS.map((glob) => `  - ${quote(glob)}`),
    "",
    "local_state:                   # ignored files of this checkout that stages see",
    ...localState.map((glob) => `  - ${quote(glob)}`),
    "",
    "stages:",
  ];
  for (const stage of stages) {
    lines.push(
      `  ${stage.name}:`,
      `    description: ${quote(stage.description)}`,
      `    command: ${quote(stage.command)}`,
      ...(stage.cwd ? [`    cwd: ${quote(stage.cwd)}`] : []),
      `    timeout: ${stage.timeout}`,
      `    needs: ${list(stage.needs)}`,
      `    files: ${list(stage.files)}`,
      `    memo_sections: ${list(stage.memoSections)}`,
      "    success_criteria:",
    );
    for (const check of stage.checks) {
      lines.push(
        `      - name: ${check.name}            # ${check.description}`,
        `        command: ${quote(check.command)}`,
        `        expect_exit: ${check.expectExit ?? 0}`,
        ...(check.expectOutput ? [`        expect_output: ${quote(check.expectOutput)}`] : []),
      );
    }
    lines.push(
      stage.diagnostics.length === 0
        ? "    diagnostics: []"
        : `    diagnostics:\n${stage.diagnostics.map((prefix) => `      - ${quote(prefix)}`).join("\n")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A master memo drafted from what was found: facts to check and reasons to add. */
export function draftMemo(facts: RepoFacts, stages: AdoptedStage[]): string {
  const out = [
    "# Master memo",
    "",
    "Drafted by `orchestrator init` from what it found in this repo: check every line, then add",
    "WHY things are the way they are. Case files quote the sections a stage names (`memo_sections`).",
    "",
    "## Layout",
    ...stages.map((stage) => `- stage \`${stage.name}\`: ${stage.description} — \`${stage.command}\``),
  ];
  const byFile = new Map<string, string[]>();
  for (const task of facts.tasks) {
    const where = `${task.runner} tasks in \`${task.file}\``;
    byFile.set(where, [...(byFile.get(where) ?? []), task.name]);
  }
  for (const [where, names] of byFile) {
    out.push(`- ${where}: ${names.slice(0, 20).join(", ")}`);
  }
  out.push("", "## Proxmox");
  const tf = facts.terraform;
  if (tf) {
    out.push(
      `- VMs are managed by ${tf.binary === "tofu" ? "OpenTofu" : "Terraform"} in \`${tf.dir}\`` +
        (tf.provider
          ? ` with the ${tf.provider} provider${tf.providerVersion ? ` (${tf.providerVersion})` : ""}`
          : ""),
      `- State: ${tf.localState ? "a local terraform.tfstate in this checkout (linked into the AI worktree, never copied)" : "no local state file found (a remote backend, or not applied yet)"}`,
    );
    if (tf.tfvars.length > 0) {
      out.push(`- Variables: ${tf.tfvars.map((p) => `\`${p}\``).join(", ")}`);
    }
  }
  if (facts.packerDirs.length > 0) {
    out.push(`- Packer templates in ${facts.packerDirs.map((d) => `\`${d}\``).join(", ")}`);
  }
  if (!tf && facts.packerDirs.length === 0) {
    out.push("- (nothing found: say which node, storage and bridge the VMs use)");
  }
  out.push("", "## Talos");
  const th = facts.talhelper;
  if (th) {
    out.push(
      `- talhelper: \`${th.config}\`${th.env ? `, env \`${th.env}\`` : ""}${th.secret ? `, secrets \`${th.secret}\`` : ""}`,
      ...(th.clusterName
        ? [`- Cluster \`${th.clusterName}\`${th.endpoint ? ` at ${th.endpoint}` : ""}`]
        : []),
      ...(th.talosVersion ? [`- Talos ${th.talosVersion}`] : []),
      ...th.nodes.map(
        (n) =>
          `- node ${n.hostname}${n.ip ? ` ${n.ip}` : ""} (${n.controlPlane ? "control plane" : "worker"})`,
      ),
      "- Fix facts in talconfig.yaml (or talenv.yaml), never in the generated clusterconfig/.",
      "- Never: regenerate talsecret, reset a node, bootstrap a second time.",
    );
  } else if (facts.clusterTemplate) {
    out.push(
      "- Rendered by cluster-template from cluster.toml into talos/; change cluster.toml or template/, then `just configure`.",
    );
  }
  if (facts.talosSecrets) {
    out.push(`- Existing Talos secrets bundle: \`${facts.talosSecrets}\` (keep it; never regenerate)`);
  }
  out.push("", "## GitOps");
  if (facts.gitops) {
    out.push(
      `- ${facts.gitops.tool === "flux" ? `Flux${facts.gitops.operator ? " via flux-operator" : ""}` : "Argo CD"} (found in \`${facts.gitops.evidence}\`)`,
      "- Under prune, removing a resource from Git deletes it live.",
    );
  } else {
    out.push("- (nothing found)");
  }
  return `${out.join("\n")}\n`;
}

/** Executor instructions that name the repo's own sources of truth. */
export function adoptedExecutorInstructions(facts: RepoFacts): string {
  const sources = [
    facts.terraform ? `the Terraform/OpenTofu variables and resources in ${facts.terraform.dir}` : undefined,
    facts.talhelper ? `${facts.talhelper.config} (not the generated clusterconfig/)` : undefined,
    facts.clusterTemplate ? "cluster-template's template/ (then the rendered files)" : undefined,
    facts.gitops ? "a manifest under kubernetes/" : undefined,
  ].filter((x): x is string => x !== undefined);
  return `# Executor instructions

You are fixing one failing stage of this homelab inside a git worktree of the AI branch.

- Make the smallest change that fixes the error shown, where this repo keeps the fact: ${sources.join("; ") || "the files the stage names"}.
- Change only files named in the brief. Never touch ai/, secrets, state files (*.tfstate), or generated output.
- Never regenerate Talos secrets, reset or wipe nodes, destroy VMs, or remove GitOps resources.
- If the fix needs a human (credentials, hardware, a decision), change nothing and say why.
- End with one line summarising what you changed and why.
`;
}

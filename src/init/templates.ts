import { renderStages } from "../homelab/stage-pack/index.ts";

/**
 * What `orchestrator init` writes into a homelab repo: the context map of the homelab stage pack
 * (six stages with commands, checks and diagnostics), the master memo its stages quote, executor
 * instructions, the bootstrap shim and the .gitignore lines.
 */

export const SCHEMA_FILE = "ai/context_map.schema.json";

/** The example cluster `init` writes; the context map's commands name its file. */
export const EXAMPLE_CLUSTER_NAME = "prox-n100";
export const EXAMPLE_CLUSTER_PATH = `config/clusters/${EXAMPLE_CLUSTER_NAME}.yaml`;

/** The context map for the six stages of the homelab stage pack, naming `clusterFile`. */
export function contextMapTemplate(clusterFile: string = EXAMPLE_CLUSTER_PATH): string {
  return `# yaml-language-server: $schema=./context_map.schema.json
# The orchestrator's map of this homelab: stages in run order, what each runs, what proves it
# worked, which files and memo sections matter, and which read-only diagnostics a model may ask for.
# This file is protected: the tool and its AI helpers never change it.
#
# Each stage runs "orchestrator step <stage>" in the AI branch's worktree. Generated secrets and
# credentials (talos/secrets.yaml, talos/clusterconfig/, kubeconfig) are written to THIS checkout,
# never to the worktree, and are gitignored. Each success check is one read-only
# "orchestrator verify <stage> <check>", so a failure names the check and quotes the tool.
version: 1

settings:                      # environment variables override these
  executor_retry_threshold: 3  # EXECUTOR_RETRY_THRESHOLD: attempts per error before escalating
  api_call_budget: 3           # API_CALL_BUDGET: model calls per error before give_up
  ai_branch: ai/orchestrator-stage1

protected:                     # never changed by AI, on top of the built-in list
  - infrastructure/proxmox/wipe_proxmox.sh
  - .sops.yaml

secrets:                       # never read into a case file, on top of the built-in list
  - "**/talosconfig"
  - "**/kubeconfig"
  - "**/*.key"
  - talos/secrets.yaml
  - talos/clusterconfig/**
  - cloudflare-tunnel.json
  - "**/*.sops.yaml"

# Diagnostics a model asks for run with these READ-ONLY credentials, so "read-only" holds on the
# server too, whatever the command. Create them once (paths relative to this repo, gitignored):
#   talosconfig: a client certificate with the os:reader role, which cannot read files or secrets:
#       talosctl --talosconfig talos/clusterconfig/talosconfig -n <cp1> config new \\
#         --roles os:reader talos/reader.talosconfig
#   kubeconfig: a ServiceAccount bound to the built-in "view" ClusterRole (no Secrets):
#       kubectl create serviceaccount orchestrator-view -n kube-system
#       kubectl create clusterrolebinding orchestrator-view --clusterrole=view \\
#         --serviceaccount=kube-system:orchestrator-view
#       kubectl create token orchestrator-view -n kube-system --duration=8760h   # put it in a kubeconfig:
#       kubectl config set-credentials view --token=<token> --kubeconfig=view.kubeconfig (plus set-cluster/set-context)
#   Proxmox: a user and token with the PVEAuditor role (read-only), secret in an environment variable:
#       pveum user add auditor@pve
#       pveum acl modify / --users auditor@pve --roles PVEAuditor
#       pveum user token add auditor@pve diagnostics --privsep 0
diagnostics_credentials:
  talosconfig: talos/reader.talosconfig
  kubeconfig: view.kubeconfig
  proxmox_token_id: auditor@pve!diagnostics
  proxmox_token_secret_env: PROXMOX_AUDITOR_TOKEN_SECRET

${renderStages(clusterFile)}`;
}

/** The context map as \`init\` writes it. */
export const CONTEXT_MAP_TEMPLATE = contextMapTemplate();

export const MASTER_MEMO_TEMPLATE = `# Master memo

The canonical architecture of this homelab, maintained by a human. Case files sent to a model
quote the sections a stage names in \`ai/context_map.yaml\` (\`memo_sections\`), so keep each
section short and true. The tool never changes this file. The cluster itself is described in
\`${EXAMPLE_CLUSTER_PATH}\`; say here WHY it is the way it is.

## Proxmox
Which Proxmox node(s), storage pools (VM disks, ISO), bridge and VLAN the VMs use, and why.
VMs carry the tag homelab-orchestrator; the tool never deletes, stops, resets or resizes one.

## Talos
Talos version (one value for ISO, installer and config), schematic and its extensions, install
disk (scsi → /dev/sda, virtio-blk → /dev/vda), control planes and workers, the API VIP.
Never: regenerate talos/secrets.yaml, reset or wipe a node, bootstrap a second time.

## GitOps
Flux: repository, branch and path it watches; the deploy key; the CNI applied from
kubernetes/bootstrap/ before Flux exists; the default storage class.
Under prune: true, removing a Kustomization, namespace or PVC from Git deletes it live.

## Applications
What runs in the cluster (kubernetes/apps/<namespace>/<app>) and what depends on what.

## Ingress
How traffic gets in: gateway, cert-manager issuers, external-dns, the Cloudflare tunnel
(created once by a human; its credentials file is a secret).

## Observability
Metrics, logs and alerts, and what "healthy" means here (which Prometheus targets must be up).
`;

export const EXECUTOR_INSTRUCTIONS_TEMPLATE = `# Executor instructions

You are fixing one failing stage of a Talos-on-Proxmox homelab, inside a git worktree of the
AI branch. Every executor call receives these instructions.

- Make the smallest change that fixes the error shown: usually one value in
  ${EXAMPLE_CLUSTER_PATH} (a storage name, the install disk, talos.version, a SAN) or one
  manifest under kubernetes/ or one Talos patch under talos/patches/.
- Change only files named in the brief. Never create top-level folders.
- Never touch: ai/master_memo.md, ai/context_map.yaml, ai/bootstrap_loop.sh,
  infrastructure/proxmox/wipe_proxmox.sh, .sops.yaml, anything under ai/state, ai/logs,
  ai/escalations, ai/patches, or any secret (talosconfig, kubeconfig, *.key, talos/secrets.yaml,
  talos/clusterconfig/, cloudflare-tunnel.json).
- Never regenerate Talos secrets, reset or wipe nodes, change a configured node's install disk,
  delete VMs, or remove Flux Kustomizations, HelmReleases, namespaces or PVCs, or change a
  Kustomization's path (Flux prunes what leaves Git).
- Do not run commands that change the cluster or Proxmox; read-only commands only.
- If the fix needs a human (credentials, a deploy key, hardware, a decision), change nothing and say why.
- End with one line summarising what you changed and why.
`;

/**
 * The seed's entry point, kept so its commands work verbatim. It runs `orchestrator` from PATH,
 * else the installation that wrote it (`cliPath`), else a project-local install, and otherwise
 * says how to install rather than failing with bash's bare 127.
 */
export function bootstrapShim(cliPath?: string): string {
  const quoted = cliPath === undefined ? "" : `'${cliPath.replaceAll("'", "'\\''")}' `;
  return `#!/usr/bin/env bash
# The seed's entry point, kept so its commands work verbatim: ./ai/bootstrap_loop.sh talos | all | status | talos --reset
if command -v orchestrator >/dev/null 2>&1; then
  exec orchestrator "$@"
fi
# Not on PATH: the installation that wrote this file, then one in this repo's node_modules.
here="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
for candidate in ${quoted}"$here/../node_modules/.bin/orchestrator"; do
  if [ -x "$candidate" ]; then
    exec "$candidate" "$@"
  fi
done
echo "ai/bootstrap_loop.sh: orchestrator is not on PATH${cliPath === undefined ? "" : ` and not at ${cliPath}`}: in a clone of homelab-orchestrator run (npm install; npm run build; npm install -g .), or put its bin/ on PATH" >&2
exit 127
`;
}

/** The shim without a known installation (tests, docs). */
export const BOOTSTRAP_SHIM = bootstrapShim();

export const GITIGNORE_LINES = [
  "ai/state/",
  "ai/logs/",
  "ai/escalations/",
  "ai/patches/",
  "ai/worktree/",
  // Generated by the talos stage in the user's checkout: secret, never committed.
  "talos/secrets.yaml",
  "talos/clusterconfig/",
  "kubeconfig",
  // Read-only diagnostics credentials and other secrets the cluster file points at.
  "talos/reader.talosconfig",
  "view.kubeconfig",
  "deploy.key",
  "cloudflare-tunnel.json",
];

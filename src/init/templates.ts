/**
 * What `orchestrator init` writes into a homelab repo. The context map names the six stages;
 * the homelab stage pack fills in their commands, checks and diagnostics.
 */

export const SCHEMA_FILE = "ai/context_map.schema.json";

export const CONTEXT_MAP_TEMPLATE = `# yaml-language-server: $schema=./context_map.schema.json
# The orchestrator's map of this homelab: stages in run order, what each runs, what proves it
# worked, which files and memo sections matter, and which read-only diagnostics a model may ask for.
# This file is protected: the tool and its AI helpers never change it.
version: 1

settings:                      # environment variables override these
  executor_retry_threshold: 3  # EXECUTOR_RETRY_THRESHOLD: attempts per error before escalating
  api_call_budget: 3           # API_CALL_BUDGET: model calls per error before give_up
  ai_branch: ai/orchestrator-stage1

protected:                     # never changed by AI, on top of the built-in list
  - infrastructure/proxmox/wipe_proxmox.sh

secrets:                       # never read into a case file, on top of the built-in list
  - "**/talosconfig"
  - "**/kubeconfig"
  - "**/*.key"

stages:
  vms:
    description: Proxmox VM creation for Talos nodes
    # command: ./infrastructure/proxmox/create_vms.sh config/clusters/prox-n100.yaml
    files: [config/clusters/*.yaml, infrastructure/proxmox/**]
    memo_sections: [Proxmox]
  talos:
    description: Talos Kubernetes bootstrap
    # command: ./infrastructure/talos/bootstrap.sh config/clusters/prox-n100.yaml
    # timeout: 20m
    needs: [vms]
    files: [config/clusters/*.yaml, talos/**]
    memo_sections: [Talos]
    # success_criteria:
    #   - name: machines running
    #     command: talosctl get machinestatus
    #     expect_exit: 0
    #     expect_output: "running"
    # diagnostics: ["talosctl get", "talosctl dmesg", "talosctl services", "kubectl get nodes"]
  infra:
    description: Flux and the core platform (CNI, storage)
    needs: [talos]
    files: [kubernetes/flux/**, kubernetes/apps/kube-system/**, kubernetes/apps/flux-system/**]
    memo_sections: [GitOps]
  apps:
    description: Homelab applications
    needs: [infra]
    files: [kubernetes/apps/**]
    memo_sections: [Applications]
  ingress:
    description: Ingress controller and Cloudflare tunnel
    needs: [infra]
    files: [kubernetes/apps/network/**]
    memo_sections: [Ingress]
  obs:
    description: Observability stack
    needs: [infra]
    files: [kubernetes/apps/observability/**]
    memo_sections: [Observability]
`;

export const MASTER_MEMO_TEMPLATE = `# Master memo

The canonical architecture of this homelab, maintained by a human. Case files sent to a model
quote the sections a stage names in \`ai/context_map.yaml\` (\`memo_sections\`), so keep each
section short and true. The tool never changes this file.

## Proxmox
Which Proxmox node(s), storage pools, ISO storage and bridges the VMs use, and why.

## Talos
Talos version, install disk, control-plane and worker nodes, the API endpoint (VIP) and what
must never happen (regenerating secrets, resetting nodes).

## GitOps
How Flux is bootstrapped, the repository, branch and path it watches.

## Applications
What runs in the cluster and where its configuration lives.

## Ingress
How traffic gets in (gateway, certificates, Cloudflare tunnel).

## Observability
Metrics, logs and alerts, and what "healthy" means here.
`;

export const EXECUTOR_INSTRUCTIONS_TEMPLATE = `# Executor instructions

You are fixing one failing stage of a Talos-on-Proxmox homelab, inside a git worktree of the
AI branch. Every executor call receives these instructions.

- Make the smallest change that fixes the error shown: usually one value in a config file.
- Change only files named in the brief. Never create top-level folders.
- Never touch: ai/master_memo.md, ai/context_map.yaml, ai/bootstrap_loop.sh,
  infrastructure/proxmox/wipe_proxmox.sh, anything under ai/state, ai/logs, ai/escalations,
  ai/patches, or any secret (talosconfig, kubeconfig, *.key, secrets files).
- Never regenerate Talos secrets, reset or wipe nodes, delete VMs, or remove Flux
  Kustomizations, HelmReleases, namespaces or PVCs.
- Do not run commands that change the cluster or Proxmox; read-only commands only.
- If the fix needs a human (credentials, hardware, a decision), change nothing and say why.
- End with one line summarising what you changed and why.
`;

export const BOOTSTRAP_SHIM = `#!/usr/bin/env bash
# The seed's entry point, kept so its commands work verbatim: ./ai/bootstrap_loop.sh talos | all | status | talos --reset
exec orchestrator "$@"
`;

export const GITIGNORE_LINES = ["ai/state/", "ai/logs/", "ai/escalations/", "ai/patches/", "ai/worktree/"];

import { STAGE_CHECKS } from "../stages/index.ts";

/**
 * The homelab stage pack: the default context map for the six stages, which `orchestrator init`
 * writes into `ai/context_map.yaml`. Each stage's command is `orchestrator step <stage>`; its
 * success criteria are the stage's read-only checks, one per line, run through
 * `orchestrator verify <stage> <check>` so each names what failed; its diagnostics are the
 * read-only prefixes of research/homelab-stages.md §1, minus everything on §4's never list.
 */

export interface PackStage {
  readonly name: string;
  readonly description: string;
  readonly timeout: string;
  readonly needs: readonly string[];
  readonly files: readonly string[];
  readonly memoSections: readonly string[];
  readonly diagnostics: readonly string[];
}

export const PACK_STAGES: readonly PackStage[] = [
  {
    name: "vms",
    description: "Proxmox VMs for the Talos nodes: created if absent, started if stopped, never destroyed",
    timeout: "20m",
    needs: [],
    files: ["config/clusters/*.yaml", "infrastructure/proxmox/**"],
    memoSections: ["Proxmox"],
    // One GET of an allowlisted read-only API path, with the PVEAuditor token when the map names one.
    diagnostics: ["orchestrator proxmox get"],
  },
  {
    name: "talos",
    description: "Talos installed and bootstrapped: every node running, etcd formed, API server ready",
    timeout: "30m",
    needs: ["vms"],
    files: ["config/clusters/*.yaml", "talos/patches/**", "talos/talconfig.yaml", "talos/talenv.yaml"],
    memoSections: ["Talos"],
    diagnostics: [
      "talosctl services",
      "talosctl service",
      "talosctl dmesg",
      "talosctl logs",
      "talosctl get members",
      "talosctl get machinestatus",
      "talosctl get addresses",
      "talosctl get links",
      "talosctl get routes",
      "talosctl get staticpodstatus",
      "talosctl get disks",
      "talosctl etcd members",
      "talosctl etcd status",
      "talosctl version",
      "kubectl get nodes",
    ],
  },
  {
    name: "infra",
    description:
      "CNI and Flux: nodes Ready, Flux bootstrapped from Git, core Kustomizations Ready, one default storage class",
    timeout: "30m",
    needs: ["talos"],
    files: [
      "config/clusters/*.yaml",
      "kubernetes/bootstrap/**",
      "kubernetes/flux/**",
      "kubernetes/apps/flux-system/**",
      "kubernetes/apps/kube-system/**",
      "kubernetes/apps/storage/**",
    ],
    memoSections: ["GitOps"],
    diagnostics: [
      "flux check",
      "flux get all -A --status-selector ready=false",
      "flux get sources git -A",
      "flux logs --all-namespaces --level=error",
      "flux tree ks flux-system",
      "kubectl -n flux-system get events --field-selector type=Warning",
      "kubectl describe hr",
      "kubectl get pods -A",
      "kubectl get nodes",
      "kubectl get sc",
      "cilium status",
    ],
  },
  {
    name: "apps",
    description: "Applications: their Kustomizations and HelmReleases Ready",
    timeout: "20m",
    needs: ["infra"],
    files: ["kubernetes/apps/**"],
    memoSections: ["Applications"],
    diagnostics: [
      "flux get hr -A",
      "flux get ks -A",
      "kubectl describe",
      "kubectl logs --tail=200",
      "kubectl get events --sort-by=.lastTimestamp",
      "kubectl get pvc -A",
      "kubectl get pods -A",
      "kubectl top pods -A",
    ],
  },
  {
    name: "ingress",
    description: "Ingress: cert-manager, external-dns and the Cloudflare tunnel Ready and connected",
    timeout: "20m",
    needs: ["infra"],
    files: ["kubernetes/apps/network/**", "kubernetes/apps/cert-manager/**"],
    memoSections: ["Ingress"],
    diagnostics: [
      "kubectl -n network logs deploy/cloudflare-tunnel --tail=200",
      "kubectl describe certificate",
      "kubectl describe certificaterequest",
      "kubectl describe challenge",
      "kubectl get svc -A --field-selector spec.type=LoadBalancer",
      "kubectl get httproute -A",
      "kubectl get gateway -A",
      "cloudflared tunnel info",
      "dig",
    ],
  },
  {
    name: "obs",
    description: "Observability: its HelmReleases Ready and no Prometheus target down",
    timeout: "20m",
    needs: ["infra"],
    files: ["kubernetes/apps/observability/**", "talos/patches/controller/**"],
    memoSections: ["Observability"],
    diagnostics: [
      "kubectl get servicemonitor,podmonitor -A",
      "kubectl -n observability logs sts/prometheus-kube-prometheus-stack -c prometheus --tail=200",
      "kubectl get --raw /api/v1/namespaces/observability/services/prometheus-operated:9090/proxy/api/v1/targets",
      "kubectl top nodes",
      "flux get hr -n observability",
    ],
  },
];

const quote = (text: string) => JSON.stringify(text);
const list = (items: readonly string[]) => `[${items.map(quote).join(", ")}]`;

/** The stage section of the context map for one cluster file (e.g. config/clusters/prox-n100.yaml). */
export function renderStages(clusterFile: string): string {
  const lines: string[] = ["stages:"];
  for (const stage of PACK_STAGES) {
    const checks = stage.name in STAGE_CHECKS ? STAGE_CHECKS[stage.name as keyof typeof STAGE_CHECKS] : [];
    lines.push(
      `  ${stage.name}:`,
      `    description: ${quote(stage.description)}`,
      `    command: orchestrator step ${stage.name} --cluster ${clusterFile}`,
      `    timeout: ${stage.timeout}`,
      `    needs: ${list(stage.needs)}`,
      `    files: ${list(stage.files)}`,
      `    memo_sections: ${list(stage.memoSections)}`,
    );
    if (checks.length > 0) {
      lines.push("    success_criteria:");
      for (const check of checks) {
        lines.push(
          `      - name: ${check.name}            # ${check.description}`,
          `        command: orchestrator verify ${stage.name} ${check.name} --cluster ${clusterFile}`,
          "        expect_exit: 0",
        );
      }
    }
    lines.push(
      stage.diagnostics.length === 0
        ? "    diagnostics: []"
        : `    diagnostics:\n${stage.diagnostics.map((prefix) => `      - ${quote(prefix)}`).join("\n")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

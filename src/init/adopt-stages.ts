import { matchesGlob } from "../core/glob/index.ts";
import type { RepoFacts } from "./detect.ts";
import { withRepoTask } from "./task-stages.ts";

/**
 * Stages that call the tooling a repo already uses, one set per kind of tooling `detect` found.
 * Each command and check is what the tool's own docs prescribe (cited per stage); diagnostics are
 * only prefixes the read-only policy (src/core/diagnostics-policy) knows: it is closed by default,
 * so terraform, talhelper, argocd and just get none.
 */
export interface AdoptedCheck {
  name: string;
  description: string;
  command: string;
  expectExit?: number;
  expectOutput?: string;
}

export interface AdoptedStage {
  name: string;
  description: string;
  command: string;
  cwd?: string;
  timeout: string;
  needs: string[];
  files: string[];
  memoSections: string[];
  checks: AdoptedCheck[];
  diagnostics: string[];
}

/** The packs `init --pack` accepts; `auto` picks from what the repo has, `builtin` the six-stage pack. */
export const ADOPT_PACKS = [
  "packer",
  "terraform",
  "talhelper",
  "cluster-template",
  "flux",
  "argocd",
] as const;
export type AdoptPack = (typeof ADOPT_PACKS)[number];

/** The packs that fit the repo, in run order. */
export function packsFor(facts: RepoFacts): AdoptPack[] {
  const packs: AdoptPack[] = [];
  if (facts.packerDirs.length > 0) {
    packs.push("packer");
  }
  if (facts.terraform) {
    packs.push("terraform");
  }
  if (facts.clusterTemplate) {
    packs.push("cluster-template");
  } else if (facts.talhelper) {
    packs.push("talhelper");
  }
  if (facts.gitops?.tool === "flux") {
    packs.push("flux");
  }
  if (facts.gitops?.tool === "argocd") {
    packs.push("argocd");
  }
  return packs;
}

const TALOS_DIAGNOSTICS = [
  "talosctl services",
  "talosctl service",
  "talosctl logs",
  "talosctl dmesg",
  "talosctl get members",
  "talosctl etcd members",
  "talosctl version",
  "kubectl get nodes",
];
const KUBE_DIAGNOSTICS = ["kubectl get", "kubectl describe", "kubectl logs", "kubectl -n flux-system get"];

/** Builds the stages of the chosen packs from what was found. */
export function adoptedStages(facts: RepoFacts, packs: readonly AdoptPack[]): AdoptedStage[] {
  const stages: AdoptedStage[] = [];
  const previous = () => (stages.length === 0 ? [] : [(stages.at(-1) as AdoptedStage).name]);
  for (const pack of packs) {
    for (const stage of STAGE_BUILDERS[pack](facts)) {
      stages.push({ ...withRepoTask(stage, pack, facts.tasks), needs: previous() });
    }
  }
  return stages;
}

type Builder = (facts: RepoFacts) => Omit<AdoptedStage, "needs">[];
const join = (dir: string, path: string) => (dir === "." ? path : `${dir}/${path}`);

const STAGE_BUILDERS: Record<AdoptPack, Builder> = {
  // developer.hashicorp.com/packer/docs/commands/validate and /init: validate exits non-zero on
  // an invalid template. `packer build` is left to a human: with -force it replaces the template.
  packer: (facts) =>
    facts.packerDirs.map((dir, index) => ({
      name: index === 0 ? "image" : `image-${index + 1}`,
      description: `Packer template in ${dir} initialised and valid (packer build is run by hand)`,
      command: "packer init . && packer validate .",
      ...(dir === "." ? {} : { cwd: dir }),
      timeout: "10m",
      files: [join(dir, "*.pkr.hcl")],
      memoSections: ["Proxmox"],
      checks: [{ name: "valid", description: "packer validate passes", command: "packer validate ." }],
      diagnostics: [],
    })),
  // developer.hashicorp.com/terraform/cli/commands/plan "-detailed-exitcode": 0 no changes,
  // 1 error, 2 changes present; opentofu.org/docs/cli/commands/plan has the same flag and codes.
  // apply -auto-approve -input=false is the documented non-interactive form (cli/commands/apply).
  terraform: (facts) => {
    const tf = facts.terraform;
    if (!tf) {
      return [];
    }
    const bin = tf.binary;
    return [
      {
        name: "vms",
        description: `Proxmox VMs by ${bin === "tofu" ? "OpenTofu" : "Terraform"}${tf.provider ? ` (${tf.provider} provider)` : ""}: apply until plan shows no changes`,
        command: `${bin} init -input=false && ${bin} apply -input=false -auto-approve`,
        ...(tf.dir === "." ? {} : { cwd: tf.dir }),
        timeout: "30m",
        files: [join(tf.dir, "*.tf"), join(tf.dir, "*.tofu"), join(tf.dir, ".terraform.lock.hcl")],
        memoSections: ["Proxmox"],
        checks: [
          {
            name: "no-drift",
            description: `${bin} plan finds nothing to change (exit 0; 2 means changes are pending)`,
            command: `${bin} plan -input=false -lock=false -detailed-exitcode`,
          },
        ],
        diagnostics: [],
      },
    ];
  },
  // github.com/budimanjojo/talhelper cmd/genconfig.go (reads talconfig.yaml, talsecret and talenv,
  // writes clusterconfig/), cmd/gencommand_apply.go and cmd/gencommand_health.go (print talosctl
  // apply-config / health commands to pipe into bash), cmd/validate_talconfig.go (exits 0 even
  // with problems, so the check looks for its "looking great" line).
  talhelper: (facts) => {
    const th = facts.talhelper;
    if (!th) {
      return [];
    }
    const files = [th.config, th.env, join(th.dir, "patches/**")].filter((x): x is string => x !== undefined);
    return [
      {
        name: "talos",
        description: "Talos configs generated by talhelper and applied to every node in talconfig.yaml",
        command: "talhelper genconfig && talhelper gencommand apply | bash",
        ...(th.dir === "." ? {} : { cwd: th.dir }),
        timeout: "30m",
        files,
        memoSections: ["Talos"],
        checks: [
          {
            name: "talconfig-valid",
            description: "talhelper validate talconfig reports no problem",
            command: "talhelper validate talconfig talconfig.yaml",
            expectOutput: "looking great",
          },
          {
            name: "health",
            description: "talosctl health (as talhelper generates it) passes",
            command: "talhelper gencommand health | bash",
          },
        ],
        diagnostics: TALOS_DIAGNOSTICS,
      },
    ];
  },
  // onedr0p/cluster-template@ae73246 justfile (`configure`), template/config/bootstrap/mod.just
  // (`just bootstrap talos`, `just bootstrap apps`), template/config/kubernetes/mod.just.
  "cluster-template": () => [
    {
      name: "configure",
      description: "cluster-template rendered and validated from cluster.toml (just configure)",
      command: "just configure",
      timeout: "10m",
      files: ["template/**", "makejinja.toml", "cluster.sample.toml"],
      memoSections: ["Layout"],
      checks: [
        { name: "rendered", description: "the rendered talos/ folder exists", command: "test -d talos" },
      ],
      diagnostics: [],
    },
    {
      name: "talos",
      description: "Talos applied and bootstrapped by cluster-template's bootstrap recipe",
      command: "just bootstrap talos",
      timeout: "30m",
      files: ["talos/**", "template/config/talos/**"],
      memoSections: ["Talos"],
      // kubernetes.io/docs/reference/kubectl/generated/kubectl_wait: exits non-zero on timeout.
      checks: [
        {
          name: "nodes-ready",
          description: "every node Ready",
          command: "kubectl --kubeconfig kubeconfig wait --for=condition=Ready nodes --all --timeout=2m",
        },
      ],
      diagnostics: TALOS_DIAGNOSTICS,
    },
    {
      name: "apps",
      description: "CRDs, flux-operator and flux-instance installed by cluster-template's helmfile",
      command: "just bootstrap apps",
      timeout: "30m",
      files: ["bootstrap/**", "template/config/bootstrap/**"],
      memoSections: ["GitOps"],
      checks: [{ name: "flux-check", description: "flux check passes", command: "flux check" }],
      diagnostics: ["flux check", "flux get", ...KUBE_DIAGNOSTICS],
    },
  ],
  // fluxcd.io/flux/cmd/flux_reconcile_kustomization (--with-source) and kubectl wait on the
  // Kustomizations' Ready condition (fluxcd.io/flux/components/kustomize/kustomizations "Ready").
  flux: (facts) => [
    {
      name: "gitops",
      description: `Flux${facts.gitops?.operator ? " (flux-operator)" : ""} reconciled: every Kustomization Ready`,
      command: "flux --namespace flux-system reconcile kustomization flux-system --with-source",
      timeout: "20m",
      files: facts.files.some((path) => path.startsWith("kubernetes/"))
        ? ["kubernetes/**"]
        : [facts.gitops?.evidence ?? "**/*.yaml"],
      memoSections: ["GitOps"],
      checks: [
        {
          name: "kustomizations-ready",
          description: "every Flux Kustomization Ready",
          command:
            "kubectl wait --for=condition=Ready kustomizations.kustomize.toolkit.fluxcd.io --all --all-namespaces --timeout=2m",
        },
      ],
      diagnostics: ["flux get", "flux logs", "flux tree", "flux check", ...KUBE_DIAGNOSTICS],
    },
  ],
  // argo-cd.readthedocs.io/en/stable/user-guide/commands/argocd_app_sync (several names at once,
  // --async) and Application .status.health.status (operator-manual/health): waited with kubectl wait --for=jsonpath.
  argocd: (facts) => [
    {
      name: "gitops",
      description: "Argo CD Applications synced and Healthy",
      command: "argocd app list -o name | xargs -r argocd app sync --async",
      timeout: "20m",
      files: [facts.gitops?.evidence ?? "**/*.yaml"],
      memoSections: ["GitOps"],
      checks: [
        {
          name: "apps-healthy",
          description: "every Argo CD Application Healthy",
          command:
            "kubectl wait --for=jsonpath='{.status.health.status}'=Healthy applications.argoproj.io --all --all-namespaces --timeout=2m",
        },
      ],
      diagnostics: KUBE_DIAGNOSTICS,
    },
  ],
};

/** Keeps the `files:` globs that match a file in the repo; the others are returned to warn about. */
export function globsThatMatch(
  stages: AdoptedStage[],
  files: readonly string[],
): { stages: AdoptedStage[]; unmatched: { stage: string; glob: string }[] } {
  const unmatched: { stage: string; glob: string }[] = [];
  const kept = stages.map((stage) => ({
    ...stage,
    files: stage.files.filter((glob) => {
      const hit = files.some((path) => matchesGlob(path, glob));
      if (!hit) {
        unmatched.push({ stage: stage.name, glob });
      }
      return hit;
    }),
  }));
  return { stages: kept, unmatched };
}

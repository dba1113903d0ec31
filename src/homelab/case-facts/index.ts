/**
 * The homelab pack's live facts for a case file: what the playbooks read for themselves (Proxmox
 * names, a node's real disks, the ISO's Talos version) and more (Flux conditions, where the
 * deploy key is), gathered read-only for the failing stage so a model need not spend calls on
 * diagnostics or guess. Registered as the escalation's `CaseFactsPort` in src/cli/wire-fixers.ts.
 * Every call is bounded (timeouts, capped lines); every failure is one line, never an error.
 */
import type { CaseLiveFacts } from "../../core/case-file/index.ts";
import type { CaseFactsPort, CaseFactsRequest } from "../../escalation/case-facts.ts";
import type { ClusterFile } from "../cluster-file/index.ts";
import { connectionFromCluster, ProxmoxClient } from "../proxmox/index.ts";
import { type ClusterForFacts, clusterForFacts } from "./cluster.ts";
import {
  certificateFacts,
  clusterTools,
  fluxFacts,
  kubernetesNodeFacts,
  prometheusFacts,
  storageClassFacts,
} from "./cluster-state-facts.ts";
import { FactSheet } from "./fact-sheet.ts";
import { deployKeyFacts, ingressFacts, manifestFacts } from "./gitops-facts.ts";
import { proxmoxFacts, vmFacts } from "./proxmox-facts.ts";
import { generatedFileFacts, talosFacts } from "./talos-facts.ts";

export { FactSheet, plain } from "./fact-sheet.ts";

export interface HomelabFactOptions {
  /** The user's checkout: generated credentials, the deploy key, the token file's base folder. */
  readonly repoRoot: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** No read starts later than this after the gathering began (default 25 s). */
  readonly startReadsWithinMs?: number;
}

interface StageFactContext extends HomelabFactOptions {
  readonly sheet: FactSheet;
  readonly cluster: ClusterFile;
  readonly homelabDir: string;
  readonly proxmox: () => Promise<ProxmoxClient>;
}

/** What each pack stage's case file gets, most telling first (the last sections are cut first). */
const STAGE_FACTS: Readonly<Record<string, (context: StageFactContext) => Promise<void>>> = {
  async vms(context) {
    const client = await context.sheet.attempt("Proxmox", context.proxmox);
    if (client) {
      const vmids = await proxmoxFacts(context.sheet, context.cluster, client);
      // The vms stage's last check asks each VM's Talos API: a MAC without its DHCP lease shows here.
      await talosFacts(context.sheet, context.cluster, { ...context, disks: false, vmids });
    }
  },
  async talos(context) {
    await talosFacts(context.sheet, context.cluster, { ...context, disks: true });
    const client = await context.sheet.attempt("Proxmox", context.proxmox);
    if (client) {
      await vmFacts(context.sheet, context.cluster, client);
    }
    await generatedFileFacts(context.sheet, context.repoRoot);
  },
  async infra(context) {
    await deployKeyFacts(context.sheet, context.cluster, context.repoRoot, context.env);
    await manifestFacts(context.sheet, context.homelabDir);
    const tools = await clusterTools(context.sheet, context);
    if (tools) {
      await kubernetesNodeFacts(context.sheet, tools);
      await fluxFacts(context.sheet, tools);
      await storageClassFacts(context.sheet, tools);
    }
  },
  async apps(context) {
    const tools = await clusterTools(context.sheet, context);
    if (tools) {
      await fluxFacts(context.sheet, tools);
    }
  },
  async ingress(context) {
    const tools = await clusterTools(context.sheet, context);
    if (tools) {
      await fluxFacts(context.sheet, tools);
      await ingressFacts(context.sheet, tools, context);
      await certificateFacts(context.sheet, tools);
    }
  },
  async obs(context) {
    const tools = await clusterTools(context.sheet, context);
    if (tools) {
      await fluxFacts(context.sheet, tools);
      await prometheusFacts(context.sheet, tools);
    }
  },
};

/** The pack's fact gatherer: facts for its six stages when a cluster file describes the homelab. */
export function homelabCaseFacts(options: HomelabFactOptions): CaseFactsPort {
  return {
    async gather(request: CaseFactsRequest): Promise<CaseLiveFacts> {
      const gatherStage = STAGE_FACTS[request.stage];
      if (gatherStage === undefined) {
        return { sections: [], unavailable: [] };
      }
      // Reads start until shortly before the escalation's own deadline, so what was gathered by
      // then still reaches the case file; each read has its own timeout on top.
      const sheet = new FactSheet(
        AbortSignal.any([request.signal, AbortSignal.timeout(options.startReadsWithinMs ?? 25_000)]),
      );
      const found: ClusterForFacts | undefined = await sheet.attempt("the cluster file", () =>
        clusterForFacts(request.homelabDir, request.command),
      );
      if (found === undefined || found.kind === "none") {
        return sheet.facts();
      }
      if (found.kind === "unreadable") {
        sheet.fail(
          `the cluster file ${found.path}`,
          new Error(`${found.reason}; no live facts read through it`),
        );
        return sheet.facts();
      }
      let client: Promise<ProxmoxClient> | undefined;
      await gatherStage({
        ...options,
        sheet,
        cluster: found.cluster,
        homelabDir: request.homelabDir,
        // The secret is read only when a Proxmox fact is wanted, and from where the stage reads it.
        proxmox: () => {
          client ??= connectionFromCluster(found.cluster, {
            env: options.env,
            baseDir: options.repoRoot,
          }).then((connection) => new ProxmoxClient({ ...connection, timeoutMs: 15_000 }));
          return client;
        },
      });
      return sheet.facts();
    },
  };
}

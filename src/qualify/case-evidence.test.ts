import { describe, expect, it } from "vitest";
import { fakeReply, startFakeLlmServer } from "../../test/helpers/fake-llm-server.ts";
import { FAULTS, type Fault } from "./faults.ts";
import type { FaultResult } from "./run-fault.ts";

/**
 * Per fault of the library, the evidence a model needs to fix it (or to name why it cannot) must
 * be in the case file it receives, among the live facts (not only in the log, which names the
 * wrong value but rarely the right one). Each fault runs as `qualify` runs it, against its own
 * lab with the built CLI, with no executor and an escalation at the first failure to a loopback
 * model that records the case file and gives up.
 *
 * Every fault needs an entry: a new fault either names its evidence or says why no case file
 * reaches a model for it — and that claim is checked too.
 */
type Evidence =
  /**
   * The live facts section of the case file matches every pattern; with `error`, the case file
   * also quotes that error (the cluster file's own rule names the field, the wrong value and the
   * right range, which no live fact adds to).
   */
  | { readonly facts: readonly RegExp[]; readonly error?: RegExp }
  /** The stage stops as needs_human before any model call (exit 78): no case file is sent. */
  | { readonly noModelCall: string }
  /** A transient fault: plain retries clear it below the escalation threshold; not run here. */
  | { readonly transient: string };

const facts = (...patterns: RegExp[]): Evidence => ({ facts: patterns });
const NEEDS_HUMAN: Evidence = { noModelCall: "the stage names a cause only a person can fix (exit 78)" };
const rule = (error: RegExp, ...patterns: RegExp[]): Evidence => ({ error, facts: patterns });
const RETRIED: Evidence = { transient: "the same run again succeeds; the loop retries before it escalates" };

const CASE_EVIDENCE: Readonly<Record<string, Evidence>> = {
  "vms-storage-missing": facts(/^local-lvm: type lvmthin, content images,rootdir$/m),
  "vms-bridge-missing": facts(/^vmbr0: active$/m),
  "vms-iso-storage-no-iso": facts(/^local: type dir, content iso,vztmpl,backup$/m),
  "vms-node-name-wrong": facts(
    /^pve: online$/m,
    /^pve1: named by the cluster file \(proxmox\.node\), but this Proxmox cluster has no node/m,
  ),
  "vms-node-override-wrong": facts(
    /^pve: online$/m,
    /^pve2: named by the cluster file \(nodes\.3\.pveNode\), but this Proxmox cluster has no node/m,
  ),
  "vms-vmid-duplicate": rule(
    /nodes\.1\.vmid: vmid 121 is already used by node cp-1/,
    /^121 \(cp-2 in the cluster file\): no VM yet$/m,
    /^100 \(the lowest vmid no VM or container uses\)$/m,
  ),
  "vms-node-ip-outside-subnet": rule(
    /nodes\.1\.ip: 192\.168\.2\.22 is outside network\.cidr 192\.168\.1\.0\/24/,
  ),
  "vms-lock-timeout": RETRIED,
  "vms-lock-timeout-two": RETRIED,
  "vms-node-down": NEEDS_HUMAN,
  "vms-bridge-not-applied": NEEDS_HUMAN,
  "vms-bridge-missing-in-task": NEEDS_HUMAN,
  "talos-install-disk-virtio": facts(
    /^cp-1 192\.168\.1\.21: disks \/dev\/sda \(69 GB, scsi\); install disk in the cluster file: \/dev\/vda$/m,
  ),
  "talos-install-disk-nvme": facts(
    /^cp-1 192\.168\.1\.21: disks \/dev\/sda \(69 GB, scsi\); install disk in the cluster file: \/dev\/nvme0n1$/m,
  ),
  "talos-node-disk-override": facts(
    /^w-1 192\.168\.1\.31: disks \/dev\/sda \(69 GB, scsi\); install disk in the cluster file: \/dev\/sdb$/m,
  ),
  "talos-mac-typo": facts(
    /^cp-2 192\.168\.1\.22 \(vmid 122, MAC bc:24:11:00:00:2f\): does not answer the Talos API/m,
    /^cp-1 192\.168\.1\.21 \(vmid 121, MAC bc:24:11:00:00:21\): answers in maintenance mode, Talos v1\.12\.4/m,
    /^122 cp-2: .*net0 virtio=BC:24:11:00:00:2F,bridge=vmbr0/m,
  ),
  "talos-vip-outside-subnet": rule(
    /kubernetes\.endpoint\.vip: 192\.168\.2\.20 is outside network\.cidr 192\.168\.1\.0\/24/,
  ),
  "talos-kubernetes-unsupported": facts(
    /^cp-1 192\.168\.1\.21 \(vmid 121, MAC bc:24:11:00:00:21\): answers in maintenance mode, Talos v1\.12\.4/m,
  ),
  "talos-etcd-preparing": RETRIED,
  "infra-deploy-key-path": facts(
    /^gitops\.flux\.deployKeyFile deploy-key\.pem resolves to deploy-key\.pem \(in the repo's folder\): no such file$/m,
    /^other key-like files that exist: deploy\.key \(in the repo's folder\)/m,
  ),
  "infra-cilium-broken-yaml": facts(
    /^20-cilium\.yaml: ServiceAccount cilium, document 2: YAML error at line \d+/m,
  ),
  "infra-deploy-key-refused": NEEDS_HUMAN,
  "ingress-tunnel-secret-invalid": NEEDS_HUMAN,
  "ingress-certificate-not-ready": facts(/^network\/example-com-production: READY False/m),
  "apps-helmrelease-timeout": facts(
    /^HelmRelease default\/echo: READY False: Helm upgrade failed: context deadline exceeded$/m,
  ),
  "obs-etcd-target-down": facts(/^job kube-etcd \(.*\): down: .*connection refused/m),
  "apps-kustomization-path-missing": facts(
    /^Kustomization default\/echo: READY False: kustomization path not found: .*\/kubernetes\/apps\/default\/echo-server\/app: no such file or directory$/m,
  ),
  "apps-namespace-typo": facts(
    /^Kustomization default\/echo: READY False: .*namespaces "defualt" not found$/m,
  ),
  "apps-helm-value-refused": facts(
    /^HelmRelease default\/echo: READY False: .*'\/service\/app\/ports\/http\/port': got string, want integer$/m,
  ),
  "infra-no-default-storage-class": facts(
    /^local-path: provisioner cluster\.local\/local-path-provisioner, not the default$/m,
  ),
  "ingress-cluster-issuer-missing": facts(
    /^network\/example-com-production: READY False, issuer letsencrypt-prod, .*not found/m,
  ),
  "obs-prometheus-port-refused": facts(
    /^HelmRelease observability\/kube-prometheus-stack: READY False: .*'\/prometheus\/service\/port': maximum: got 90900, want 65535$/m,
  ),
  "ingress-class-missing": facts(
    /^default\/echo: class external \(no such IngressClass\), no address$/m,
    /^IngressClasses that exist: nginx$/m,
    /^IngressClass nginx: kubernetes\/apps\/network\/cloudflare-tunnel\/app\/ingressclass\.yaml$/m,
  ),
};

type RunFault = typeof import("./run-fault.ts").runFault;

/** The built CLI's runner, as `orchestrator qualify` runs a fault (`npm run build` first). */
async function builtRunFault(): Promise<RunFault> {
  const built: typeof import("./run-fault.ts") = await import(
    new URL("../../dist/src/qualify/run-fault.js", import.meta.url).href
  );
  return built.runFault;
}

const STAGE_ORDER = ["vms", "talos", "infra", "apps", "ingress", "obs"];

/** Faults a model could be asked about, at most this many at once (the machine's two cores). */
const PARALLEL = 2;

interface Captured {
  readonly result: FaultResult;
  /** The first case file the model received, or undefined when it was never asked. */
  readonly caseFile: string | undefined;
}

async function capture(runFault: RunFault, fault: Fault): Promise<Captured> {
  const server = await startFakeLlmServer([
    fakeReply.answer({ action: "give_up", reason: "evidence captured" }),
  ]);
  try {
    const result = await runFault(fault, {
      env: process.env,
      extraEnv: {
        EXECUTOR: "none",
        EXECUTOR_RETRY_THRESHOLD: "1",
        OPENAI_API_KEY: "sk-case-evidence",
        OPENAI_BASE_URL: server.baseURL,
        OPENAI_MODEL: "evidence",
        OPENAI_API: "chat",
      },
      timeoutMs: 120_000,
    });
    const body = server.requests[0]?.json as { messages?: { role: string; content: unknown }[] } | undefined;
    const user = body?.messages?.find((message) => message.role === "user")?.content;
    return { result, caseFile: typeof user === "string" ? user : undefined };
  } finally {
    await server.close();
  }
}

/** The case file's live facts section, up to the next section. */
function liveFacts(caseFile: string): string {
  const start = caseFile.indexOf("\n## Live facts");
  if (start < 0) {
    return "";
  }
  const end = caseFile.indexOf("\n## ", start + 1);
  return caseFile.slice(start, end < 0 ? undefined : end);
}

describe("the case file's evidence per fault", () => {
  it("has an entry for every fault of the library and none for a fault it does not have", () => {
    expect(FAULTS.map((fault) => fault.id).filter((id) => CASE_EVIDENCE[id] === undefined)).toEqual([]);
    expect(Object.keys(CASE_EVIDENCE).filter((id) => !FAULTS.some((fault) => fault.id === id))).toEqual([]);
    for (const fault of FAULTS) {
      // A transient entry is for a transient fault only: anything else must show its evidence.
      expect("transient" in (CASE_EVIDENCE[fault.id] ?? {}), fault.id).toBe(fault.class === "transient");
    }
  });

  it("gives the model each fault's evidence among the live facts, or asks no model when only a person can fix it", {
    tags: ["slow"],
    timeout: 600_000,
  }, async () => {
    // Later stages first: their runs are the longest, so the two workers finish together.
    const queue = FAULTS.filter((fault) => !("transient" in (CASE_EVIDENCE[fault.id] ?? {}))).sort(
      (a, b) => STAGE_ORDER.indexOf(b.stage) - STAGE_ORDER.indexOf(a.stage),
    );
    const runFault = await builtRunFault();
    const captured = new Map<string, Captured>();
    const worker = async () => {
      for (let fault = queue.shift(); fault !== undefined; fault = queue.shift()) {
        captured.set(fault.id, await capture(runFault, fault));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const problems: string[] = [];
    for (const [id, { result, caseFile }] of captured) {
      const evidence = CASE_EVIDENCE[id];
      if (evidence && "noModelCall" in evidence) {
        if (result.apiCalls !== 0 || result.ending !== "needs_human") {
          problems.push(
            `${id}: expected needs_human with no model call, got ${result.ending} after ${result.apiCalls} call(s)`,
          );
        }
        continue;
      }
      if (caseFile === undefined) {
        problems.push(`${id}: no case file reached the model (${result.ending}: ${result.reason})`);
        continue;
      }
      const error = evidence && "facts" in evidence ? evidence.error : undefined;
      if (error && !error.test(caseFile)) {
        problems.push(`${id}: the case file does not quote the rule's error ${error}`);
      }
      const section = liveFacts(caseFile);
      for (const pattern of evidence && "facts" in evidence ? evidence.facts : []) {
        if (!pattern.test(section)) {
          problems.push(`${id}: the live facts lack ${pattern}:\n${section || "(no live facts section)"}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

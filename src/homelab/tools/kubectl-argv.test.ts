import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  certificateFacts,
  kubernetesNodeFacts,
  prometheusFacts,
  storageClassFacts,
} from "../case-facts/cluster-state-facts.ts";
import { FactSheet } from "../case-facts/fact-sheet.ts";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { FLUX_STAGE_CHECKS } from "../stages/flux.ts";
import { stageEnvironment, toolsOf } from "../stages/stage-context.ts";

/**
 * Every kubectl argv the pack builds, parsed by the REAL kubectl (installed here, v1.32): the
 * wrappers and the stage checks run against a recorder standing in for kubectl and flux, then each
 * recorded argv goes to the real kubectl with a kubeconfig pointing at a closed local port. A flag
 * or command kubectl does not know fails at parsing ("unknown flag", "unknown command"); an argv
 * it accepts gets as far as dialling the server.
 */

const REAL_KUBECTL = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;

let dir: string;
let log: string;
let argvs: string[][] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubectl-argv-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  log = join(dir, "argv.jsonl");
  // One Certificate that is not Ready, so the calls that only follow a failing one are made too.
  const recorder = `#!/usr/bin/env node\nrequire("node:fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify([require("node:path").basename(process.argv[1]), ...process.argv.slice(2)]) + "\\n");\nprocess.stdout.write(process.argv.includes("certificate") ? "NAMESPACE   NAME   READY   SECRET\\nnetwork   wildcard   False   wildcard-tls\\n" : '{"items":[]}\\n');\n`;
  for (const tool of ["kubectl", "flux"]) {
    writeFileSync(join(bin, tool), recorder);
    chmodSync(join(bin, tool), 0o755);
  }
  mkdirSync(join(dir, "kubernetes", "bootstrap"), { recursive: true });
  writeFileSync(
    join(dir, "kubernetes", "bootstrap", "00-ns.yaml"),
    "apiVersion: v1\nkind: Namespace\nmetadata: { name: demo }\n",
  );
  const stage = stageEnvironment(
    dir,
    { PATH: `${bin}:${process.env["PATH"]}`, ORCHESTRATOR_REPO_ROOT: dir },
    () => undefined,
  );
  const { kubectl } = toolsOf(stage);
  await kubectl.raw("/readyz");
  await kubectl.nodes();
  await kubectl.waitNodes("Ready", "10m");
  await kubectl.applyServerSide(join(dir, "kubernetes", "bootstrap"));
  const cluster = parseClusterFile(EXAMPLE_CLUSTER_FILE, "config/clusters/prox-n100.yaml");
  for (const checks of Object.values(FLUX_STAGE_CHECKS)) {
    for (const check of checks) {
      await check.run(cluster, toolsOf(stage)).catch(() => undefined); // only the argv matters here
    }
  }
  // The live facts a case file carries read the cluster with kubectl too.
  const tools = { kubectl, flux: toolsOf(stage).flux };
  for (const gather of [certificateFacts, storageClassFacts, kubernetesNodeFacts, prometheusFacts]) {
    await gather(new FactSheet(), tools);
  }
  argvs = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as string[])
    .filter(([tool]) => tool === "kubectl")
    .map(([, ...args]) => args);
  writeFileSync(
    join(dir, "closed.kubeconfig"),
    "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n",
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(REAL_KUBECTL)("kubectl argv the pack builds", () => {
  it("covers the wrappers and every kubectl call of the stage checks", () => {
    const withoutKubeconfig = argvs.map((argv) =>
      argv.filter((arg, index) => arg !== "--kubeconfig" && argv[index - 1] !== "--kubeconfig").join(" "),
    );
    expect(withoutKubeconfig).toEqual(
      expect.arrayContaining([
        "get --raw /readyz",
        "get nodes -o json",
        "wait nodes --all --for=condition=Ready --timeout=10m",
        "-n network rollout status deploy/cloudflare-tunnel --timeout=2m",
        "-n network logs deploy/cloudflare-tunnel --tail=200",
        "get storageclass",
        "get certificate -A",
        "get certificaterequest -A -o wide",
        "get certificate -A -o wide",
        "get ingress -A -o json",
        "get ingressclass -o json",
      ]),
    );
    expect(
      withoutKubeconfig.some((argv) => argv.startsWith("apply --server-side --force-conflicts -f ")),
    ).toBe(true);
    expect(
      withoutKubeconfig.some((argv) =>
        argv.startsWith("get --raw /api/v1/namespaces/observability/services/"),
      ),
    ).toBe(true);
  });

  it("parses with the real kubectl: each argv reaches the server instead of failing on a flag", () => {
    for (const argv of argvs) {
      const args = argv.map((arg, index) =>
        argv[index - 1] === "--kubeconfig" ? join(dir, "closed.kubeconfig") : arg,
      );
      const result = spawnSync("kubectl", [...args, "--request-timeout=2s"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      const said = `${result.stderr}${result.stdout}`;
      expect(said, `kubectl ${args.join(" ")}`).not.toMatch(
        /unknown (flag|command|shorthand)|invalid argument|requires|must specify/i,
      );
      expect(said, `kubectl ${args.join(" ")}`).toMatch(
        /127\.0\.0\.1:9|connection refused|Unable to connect/,
      );
    }
  });
});

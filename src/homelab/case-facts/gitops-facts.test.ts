import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { Flux, Kubectl } from "../tools/index.ts";
import { FactSheet } from "./fact-sheet.ts";
import { ingressFacts } from "./gitops-facts.ts";

/**
 * The ingress stage's Ingress facts, read through a kubectl stand-in (a real child process that
 * prints the JSON lists kubectl prints) and the repo's Flux tree on disk.
 */

let dir: string;

const ECHO_INGRESS = {
  metadata: { name: "echo", namespace: "default" },
  spec: { ingressClassName: "external" },
  status: { loadBalancer: {} },
};
const SERVED_INGRESS = {
  metadata: { name: "grafana", namespace: "observability" },
  spec: { ingressClassName: "nginx" },
  status: { loadBalancer: { ingress: [{ ip: "192.168.1.25" }] } },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gitops-facts-"));
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write(
    "kubernetes/apps/network/cloudflare-tunnel/app/ingressclass.yaml",
    "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\nspec:\n  controller: k8s.io/ingress-nginx\n",
  );
  write(
    "kubernetes/apps/default/echo/app/ingress.yaml",
    "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: echo\nspec:\n  ingressClassName: external\n",
  );
  write("kubernetes/apps/default/echo/app/broken.yaml", "kind: Ingress\nmetadata: [\n");
  const ingresses = JSON.stringify({ apiVersion: "v1", kind: "List", items: [ECHO_INGRESS, SERVED_INGRESS] });
  const classes = JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [{ metadata: { name: "nginx" } }],
  });
  write(
    "bin/kubectl",
    `#!/bin/sh\ncase "$*" in\n  *"get ingress -A -o json"*) echo '${ingresses}' ;;\n  *"get ingressclass -o json"*) echo '${classes}' ;;\n  *) echo "unexpected: $*" >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(join(dir, "bin", "kubectl"), 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function gather(): Promise<ReturnType<FactSheet["facts"]>> {
  const base = {
    cwd: dir,
    env: { PATH: process.env["PATH"] },
    timeoutMs: 10_000,
    kubeconfig: join(dir, "kc"),
  };
  const sheet = new FactSheet();
  await ingressFacts(
    sheet,
    { kubectl: new Kubectl({ ...base, binary: join(dir, "bin", "kubectl") }), flux: new Flux(base) },
    { homelabDir: dir, cluster: parseClusterFile(EXAMPLE_CLUSTER_FILE, "config/clusters/prox-n100.yaml") },
  );
  return sheet.facts();
}

describe("the ingress stage's Ingress facts", () => {
  it("names each Ingress without an address, its class, whether it exists, and the classes that do", async () => {
    const facts = await gather();
    expect(facts.sections.find((section) => section.title === "Ingresses without an address")?.lines).toEqual(
      ["default/echo: class external (no such IngressClass), no address", "IngressClasses that exist: nginx"],
    );
  });

  it("names the files of the Flux tree that declare the Ingresses and IngressClasses, skipping broken YAML", async () => {
    const facts = await gather();
    expect(
      facts.sections.find(
        (section) => section.title === "Where kubernetes/ declares Ingresses and IngressClasses",
      )?.lines,
    ).toEqual([
      "Ingress echo (ingressClassName external): kubernetes/apps/default/echo/app/ingress.yaml",
      "IngressClass nginx: kubernetes/apps/network/cloudflare-tunnel/app/ingressclass.yaml",
    ]);
    expect(facts.unavailable).toEqual([]);
  });
});

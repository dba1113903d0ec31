import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FluxLab, greenTree, startFluxLab } from "./flux-lab.fixture.ts";

/**
 * `kubectl get ingress` / `get ingressclass` in the lab: kubectl's columns and empty-list answers
 * over the Ingresses and IngressClasses Flux applied from the synced tree (the fixture's green tree
 * has IngressClass `internal` and echo's Ingress in `default` naming it).
 */

let lab: FluxLab;

const INGRESS_FILE = "kubernetes/apps/default/echo/app/ingress.yaml";

beforeAll(async () => {
  lab = await startFluxLab();
});

afterAll(async () => {
  await lab.close();
});

beforeEach(() => {
  lab.resetToGreen();
  lab.resync();
});

/** The green tree's ingress.yaml with `from` replaced by `to`, pushed and synced. */
function changeIngressFile(from: string, to: string): void {
  const text = greenTree(lab.bare)[INGRESS_FILE] ?? "";
  expect(text).toContain(from);
  lab.push({ [INGRESS_FILE]: text.replace(from, to) });
  lab.resync();
}

const cells = (line: string | undefined) => (line ?? "").trim().split(/\s{2,}/);

describe("kubectl get ingress in the lab", () => {
  it("prints NAMESPACE NAME CLASS HOSTS ADDRESS PORTS AGE with -A, the address of a served class", () => {
    const result = lab.run("kubectl", "get", "ingress", "-A");
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.trimEnd().split("\n");
    expect(cells(header)).toEqual(["NAMESPACE", "NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]);
    expect(cells(row)).toEqual([
      "default",
      "echo",
      "internal",
      "echo.example.com",
      "192.168.1.25",
      "80",
      "3m",
    ]);
  });

  it("leaves out the NAMESPACE column for one namespace", () => {
    const result = lab.run("kubectl", "get", "ing", "-n", "default");
    expect(cells(result.stdout.split("\n")[0])).toEqual([
      "NAME",
      "CLASS",
      "HOSTS",
      "ADDRESS",
      "PORTS",
      "AGE",
    ]);
  });

  it("shows an empty ADDRESS for an Ingress whose class does not exist, and 80, 443 with TLS", () => {
    changeIngressFile(
      "ingressClassName: internal\n",
      "ingressClassName: nginx\n  tls:\n  - hosts: [echo.example.com]\n    secretName: echo-tls\n",
    );
    const row = lab.run("kubectl", "get", "ingress", "-n", "default").stdout.split("\n")[1] ?? "";
    // The ADDRESS column stays blank: the cells around it are separated by its padding only.
    expect(row).toMatch(/^echo\s+nginx\s+echo\.example\.com\s+80, 443\s+3m$/);
  });

  it("says <none> for an Ingress without ingressClassName", () => {
    changeIngressFile("  ingressClassName: internal\n", "");
    const row = lab.run("kubectl", "get", "ingress", "-A").stdout.split("\n")[1];
    expect(cells(row).slice(0, 4)).toEqual(["default", "echo", "<none>", "echo.example.com"]);
  });

  it("answers an empty namespace on stderr with exit 0, as kubectl does", () => {
    const result = lab.run("kubectl", "get", "ingress", "-n", "network");
    expect(result).toEqual({ code: 0, stdout: "", stderr: "No resources found in network namespace.\n" });
  });

  it("lists items with status.loadBalancer as -o json, empty for a class that does not exist", () => {
    const served = JSON.parse(lab.run("kubectl", "get", "ingress", "-A", "-o", "json").stdout);
    expect(served.kind).toBe("List");
    expect(served.items[0]).toMatchObject({
      kind: "Ingress",
      metadata: { name: "echo", namespace: "default" },
      spec: { ingressClassName: "internal" },
      status: { loadBalancer: { ingress: [{ ip: "192.168.1.25" }] } },
    });
    changeIngressFile("ingressClassName: internal", "ingressClassName: nginx");
    const unserved = JSON.parse(lab.run("kubectl", "get", "ingress", "-A", "-o", "json").stdout);
    expect(unserved.items[0].status).toEqual({ loadBalancer: {} });
  });

  it("prints an empty List for -o json with nothing on stderr", () => {
    const result = lab.run("kubectl", "get", "ingress", "-n", "network", "-o", "json");
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      apiVersion: "v1",
      items: [],
      kind: "List",
      metadata: { resourceVersion: "" },
    });
  });

  it("refuses an output format the lab does not serve, naming it", () => {
    const result = lab.run("kubectl", "get", "ingress", "-A", "-o", "yaml");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not "yaml"');
  });
});

describe("kubectl get ingressclass in the lab", () => {
  it("prints NAME CONTROLLER PARAMETERS AGE, without a NAMESPACE column even with -A", () => {
    const result = lab.run("kubectl", "get", "ingressclass", "-A");
    const [header, row] = result.stdout.trimEnd().split("\n");
    expect(cells(header)).toEqual(["NAME", "CONTROLLER", "PARAMETERS", "AGE"]);
    expect(cells(row)).toEqual(["internal", "k8s.io/ingress-nginx", "<none>", "4m"]);
  });

  it("lists the classes as -o json", () => {
    const list = JSON.parse(lab.run("kubectl", "get", "ingressclasses", "-o", "json").stdout);
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual([
      "internal",
    ]);
  });

  it("says No resources found in default namespace. when there is none, though the kind is cluster-scoped", () => {
    const text = greenTree(lab.bare)[INGRESS_FILE] ?? "";
    lab.push({ [INGRESS_FILE]: text.slice(text.indexOf("---\n") + 4) });
    lab.resync();
    expect(lab.run("kubectl", "get", "ingressclass")).toEqual({
      code: 0,
      stdout: "",
      stderr: "No resources found in default namespace.\n",
    });
    expect(lab.run("kubectl", "get", "ingressclass", "-A").stderr).toBe("No resources found\n");
  });
});

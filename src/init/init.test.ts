import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseContextMap } from "../config/index.ts";
import { checkDiagnostic } from "../core/diagnostics-policy/index.ts";
import { parseClusterFile } from "../homelab/cluster-file/index.ts";
import { STAGE_CHECKS } from "../homelab/stages/index.ts";
import { defaultInitFiles, initRepo } from "./index.ts";
import {
  CONTEXT_MAP_TEMPLATE,
  EXAMPLE_CLUSTER_PATH,
  GITIGNORE_LINES,
  MASTER_MEMO_TEMPLATE,
} from "./templates.ts";

let repo: string;

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), "init-"));
});

afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe("the context map init writes", () => {
  const map = parseContextMap(CONTEXT_MAP_TEMPLATE);

  it("parses and names the six stages in order, each run by orchestrator step on the example cluster", () => {
    expect(Object.keys(map.stages)).toEqual(["vms", "talos", "infra", "apps", "ingress", "obs"]);
    expect(map.stages["talos"]?.command).toBe(`orchestrator step talos --cluster ${EXAMPLE_CLUSTER_PATH}`);
    expect(map.stages["talos"]?.needs).toEqual(["vms"]);
    expect(map.stages["talos"]?.timeout).toBe(30 * 60_000);
  });

  it("checks each stage with its own read-only checks", () => {
    for (const [stage, checks] of Object.entries(STAGE_CHECKS)) {
      expect(map.stages[stage]?.success_criteria.map((check) => check.command)).toEqual(
        checks.map((check) => `orchestrator verify ${stage} ${check.name} --cluster ${EXAMPLE_CLUSTER_PATH}`),
      );
    }
  });

  it("offers only diagnostics the read-only policy allows", () => {
    for (const [stage, spec] of Object.entries(map.stages)) {
      for (const prefix of spec.diagnostics) {
        expect(checkDiagnostic(prefix, spec.diagnostics), `${stage}: ${prefix}`).toMatchObject({
          verdict: "allowed",
        });
      }
    }
  });

  it("points diagnostics at read-only credentials and keeps generated secrets out of case files", () => {
    expect(map.diagnostics_credentials).toEqual({
      talosconfig: "talos/reader.talosconfig",
      kubeconfig: "view.kubeconfig",
      proxmox_token_id: "auditor@pve!diagnostics",
      proxmox_token_secret_env: "PROXMOX_AUDITOR_TOKEN_SECRET",
    });
    expect(map.secrets).toEqual(expect.arrayContaining(["talos/secrets.yaml", "talos/clusterconfig/**"]));
    expect(CONTEXT_MAP_TEMPLATE).toContain("--roles os:reader");
    expect(CONTEXT_MAP_TEMPLATE).toContain("--clusterrole=view");
    expect(CONTEXT_MAP_TEMPLATE).toContain("--roles PVEAuditor");
  });

  it("names only memo sections the master memo has", () => {
    const headings = [...MASTER_MEMO_TEMPLATE.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    for (const spec of Object.values(map.stages)) {
      for (const section of spec.memo_sections) {
        expect(headings).toContain(section);
      }
    }
  });
});

describe("initRepo with the default files", () => {
  const files = defaultInitFiles("{}\n");

  it("writes the pack, an example cluster file that validates, and the gitignore lines", async () => {
    const result = await initRepo(repo, files);
    expect(result.written).toEqual(files.map((file) => file.path));
    expect(result.kept).toEqual([]);
    const cluster = parseClusterFile(
      await readFile(join(repo, EXAMPLE_CLUSTER_PATH), "utf8"),
      EXAMPLE_CLUSTER_PATH,
    );
    expect(cluster.cluster.name).toBe("prox-n100");
    JSON.parse(await readFile(join(repo, "ai/schema/cluster-file.schema.json"), "utf8"));
    const gitignore = await readFile(join(repo, ".gitignore"), "utf8");
    for (const line of ["talos/secrets.yaml", "talos/clusterconfig/", "kubeconfig", "ai/state/"]) {
      expect(gitignore.split("\n")).toContain(line);
    }
    expect((await stat(join(repo, "ai/bootstrap_loop.sh"))).mode & 0o111).not.toBe(0);
  });

  it("never overwrites: it keeps what exists and says so", async () => {
    await initRepo(repo, files);
    await writeFile(join(repo, "ai/master_memo.md"), "# mine\n");
    const again = await initRepo(repo, files);
    expect(again.written).toEqual([]);
    expect(again.kept).toEqual(files.map((file) => file.path));
    expect(again.gitignoreAdded).toEqual([]);
    expect(await readFile(join(repo, "ai/master_memo.md"), "utf8")).toBe("# mine\n");
    expect(GITIGNORE_LINES.length).toBeGreaterThan(5);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseContextMap } from "../config/index.ts";
import { Redactor } from "../core/redaction/index.ts";
import { checksInLog, diagnosticsOptions } from "./case-input.ts";
import type { StageEscalationDeps } from "./stage-escalation.ts";

function depsWith(credentials: string, files: string[]) {
  const repoRoot = mkdtempSync(join(tmpdir(), "diag-creds-"));
  for (const file of files) {
    writeFileSync(join(repoRoot, file), "read-only\n");
  }
  const contextMap = parseContextMap(
    `version: 1\ndiagnostics_credentials:\n${credentials}\nstages:\n  talos:\n    command: ./x.sh\n    diagnostics: ["talosctl get"]\n`,
  );
  const deps = {
    repoRoot,
    contextMap,
    env: { PATH: "/usr/bin", OPENAI_API_KEY: "sk-test", EXECUTOR_API_KEY: "k", AUDITOR_SECRET: "s3cret" },
    sideBranch: { worktree: join(repoRoot, "ai", "worktree") },
    redactor: new Redactor(),
  } as unknown as StageEscalationDeps;
  return { deps, repoRoot, spec: contextMap.stages["talos"]! };
}

describe("diagnostics run with the read-only credentials", () => {
  it("points talosctl and kubectl at the read-only files, and never passes the tool's API keys", () => {
    const { deps, repoRoot, spec } = depsWith(
      "  talosconfig: reader.talosconfig\n  kubeconfig: view.kubeconfig\n  proxmox_token_id: auditor@pve!diag\n  proxmox_token_secret_env: AUDITOR_SECRET",
      ["reader.talosconfig", "view.kubeconfig"],
    );
    const { env, allowedPrefixes } = diagnosticsOptions(deps, "talos", spec);
    expect(env["TALOSCONFIG"]).toBe(join(repoRoot, "reader.talosconfig"));
    expect(env["KUBECONFIG"]).toBe(join(repoRoot, "view.kubeconfig"));
    expect(env["AUDITOR_SECRET"]).toBe("s3cret");
    expect(env["OPENAI_API_KEY"]).toBeUndefined();
    expect(env["EXECUTOR_API_KEY"]).toBeUndefined();
    expect(allowedPrefixes).toEqual(["talosctl get"]);
  });

  it("skips a read-only credential that has not been created yet", () => {
    const { deps, spec } = depsWith("  talosconfig: reader.talosconfig", []);
    expect(diagnosticsOptions(deps, "talos", spec).env["TALOSCONFIG"]).toBeUndefined();
  });
});

describe("the case file's criteria for a stage that runs its own checks", () => {
  it("marks the check that failed in the step's log as failed with its reason, not as not run", () => {
    const log = [
      "ingress: 3 Kustomizations and HelmReleases Ready",
      "check ingress-ready: ok (the ingress stage's Kustomizations and HelmReleases are Ready)",
      "check tunnel-connected: waiting (1/120)",
      'step ingress failed: check tunnel-connected: the tunnel registered no connection: ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret"',
    ].join("\n");
    expect([...checksInLog(log).values()]).toEqual([
      { name: "ingress-ready", passed: true, detail: "" },
      {
        name: "tunnel-connected",
        passed: false,
        detail:
          'the tunnel registered no connection: ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret"',
      },
    ]);
  });
});

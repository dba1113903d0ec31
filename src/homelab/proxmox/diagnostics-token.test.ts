import { describe, expect, it } from "vitest";
import { EXAMPLE_CLUSTER_FILE, parseClusterFile } from "../cluster-file/index.ts";
import { clusterForDiagnostics } from "./diagnostics-token.ts";

const STAGE_CLUSTER = parseClusterFile(
  EXAMPLE_CLUSTER_FILE.replace(
    "  # tokenSecretFile: ~/.config/homelab/proxmox-token",
    "  tokenSecretFile: /home/me/.config/homelab/proxmox-token",
  ),
  "config/clusters/lab.yaml",
);
const AUDITOR = {
  proxmox_token_id: "auditor@pve!diagnostics",
  proxmox_token_secret_env: "PROXMOX_AUDITOR_TOKEN_SECRET",
};

describe("clusterForDiagnostics", () => {
  it("uses the read-only token when the context map names it and its secret is set", () => {
    const chosen = clusterForDiagnostics(STAGE_CLUSTER, AUDITOR, { PROXMOX_AUDITOR_TOKEN_SECRET: "s3cret" });
    expect(chosen.proxmox.tokenId).toBe("auditor@pve!diagnostics");
    expect(chosen.proxmox.tokenSecretEnv).toBe("PROXMOX_AUDITOR_TOKEN_SECRET");
    // the stage token's secret file must not stand in for the auditor's secret
    expect(chosen.proxmox.tokenSecretFile).toBeUndefined();
    expect(chosen.proxmox.endpoint).toBe(STAGE_CLUSTER.proxmox.endpoint);
  });

  it("keeps the stage's token when the auditor's secret is unset or blank, or none is named", () => {
    expect(clusterForDiagnostics(STAGE_CLUSTER, AUDITOR, {})).toBe(STAGE_CLUSTER);
    expect(clusterForDiagnostics(STAGE_CLUSTER, AUDITOR, { PROXMOX_AUDITOR_TOKEN_SECRET: "  " })).toBe(
      STAGE_CLUSTER,
    );
    expect(clusterForDiagnostics(STAGE_CLUSTER, undefined, { PROXMOX_AUDITOR_TOKEN_SECRET: "s" })).toBe(
      STAGE_CLUSTER,
    );
  });
});

import { existsSync, readFileSync } from "node:fs";
import { CliExit, type CliOutput, flag, hasFlag, type ParsedCli } from "./args.ts";
import { NodeError } from "./talos-connection.ts";
import { disksOf, unifiedDiff } from "./talos-disks.ts";
import { kubernetesRefusal } from "./talos-kubernetes.ts";
import { hostnameOf, minorOf, multiError, parseDocuments, validationErrors } from "./talos-machinery.ts";
import type { FakeTalosMachine, FakeView } from "./world-view.ts";

/** The fake talosctl's `apply-config`, insecure, secure and dry-run. */

interface MachineConfig {
  machine?: {
    type?: string;
    install?: { disk?: string; image?: string; grubUseUKICmdline?: boolean };
    network?: { interfaces?: { addresses?: string[] }[] };
  };
  cluster?: { id?: string };
}

/**
 * `apply-config`. The node's machinery (the version of the ISO it booted) decodes and validates
 * the config (talos-machinery.ts). Since Talos 1.9 a missing install disk is NOT refused here:
 * the check left v1alpha1 validation with the CEL disk selectors (siderolabs/talos commit
 * 9a02ecc49; present at @v1.8.0 pkg/machinery/config/types/v1alpha1/v1alpha1_validation.go:112,
 * gone at @v1.9.0), and the installer fails on the node instead, resolving the disk path
 * (siderolabs/talos@v1.12.4 internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_sequencer_tasks.go:1527-1530).
 * The summary and the dry-run diff are the response's ModeDetails, which talosctl prints to
 * STDERR (siderolabs/talos@v1.12.4 cmd/talosctl/pkg/talos/helpers/mode.go:106-115).
 */
export function applyConfig(
  view: FakeView,
  machine: FakeTalosMachine,
  _ip: string,
  parsed: ParsedCli,
): CliOutput {
  const file = flag(parsed, "file") ?? "";
  if (!existsSync(file)) {
    throw new CliExit(1, `open ${file}: no such file or directory\n`);
  }
  const text = readFileSync(file, "utf8");
  const docs = parseDocuments(text);
  const v1alpha1 = docs.find((doc) => doc["kind"] === undefined) ?? {};
  const config = v1alpha1 as MachineConfig;
  const nodeVersion = machine.stage === "maintenance" ? machine.isoTalosVersion : machine.installedVersion;
  const nodeMinor = minorOf(nodeVersion);
  if (config.machine?.install?.grubUseUKICmdline !== undefined && nodeMinor < 12) {
    throw new NodeError(
      "rpc error: code = InvalidArgument desc = configuration decode error: unknown keys found during decoding:\nmachine:\n    install:\n        grubUseUKICmdline: true",
    );
  }
  const problems = validationErrors(docs, nodeMinor);
  if (problems.length > 0) {
    throw new NodeError(
      `rpc error: code = InvalidArgument desc = configuration validation failed: ${multiError(problems).trimEnd()}`,
    );
  }
  // Validated before the dry-run is looked at, so a dry-run is refused too (v1alpha1_server.go:199-211).
  const refusal = kubernetesRefusal(v1alpha1, nodeVersion, machine.stage === "maintenance");
  if (refusal !== undefined) {
    throw new NodeError(refusal);
  }
  if (hasFlag(parsed, "dry-run")) {
    return { stdout: "", stderr: `${dryRunReport(machine.appliedConfig ?? "", text)}\n` };
  }
  const wasConfigured = machine.stage !== "maintenance";
  machine.appliedConfig = text;
  machine.role = config.machine?.type === "controlplane" ? "controlplane" : "worker";
  machine.hostname = hostnameOf(docs) ?? machine.name;
  machine.clusterId = config.cluster?.id ?? "";
  machine.installedVersion =
    /:(v[\d.]+)$/.exec(config.machine?.install?.image ?? "")?.[1] ?? machine.isoTalosVersion ?? "";
  const address = config.machine?.network?.interfaces?.[0]?.addresses?.[0];
  if (!wasConfigured) {
    const disk = config.machine?.install?.disk;
    if (disk !== undefined && !disksOf(view, machine).some((known) => known.path === disk)) {
      machine.installError = `lstat ${disk}: no such file or directory`;
    } else {
      machine.ip = address?.split("/")[0] ?? machine.ip;
    }
    machine.stage = "installing";
    return { stdout: "", stderr: "" };
  }
  return { stdout: "", stderr: "Applied configuration without a reboot\n" };
}

/**
 * The dry-run ModeDetails: `Dry run summary:`, the mode line with ` (skipped in dry-run).`, then
 * `Config diff:`, a blank line and either `No changes.` or a unified diff of the two configs
 * (siderolabs/talos@v1.12.4 internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:250-252,320-331;
 * pkg/machinery/config/configdiff/configdiff.go:80-119: `--- a`, `+++ b`, `@@` hunks, `-`/`+`/` ` lines).
 */
function dryRunReport(before: string, after: string): string {
  const diff = unifiedDiff(before, after);
  return `Dry run summary:\nApplied configuration without a reboot (skipped in dry-run).\nConfig diff:\n\n${diff === "" ? "No changes." : diff}`;
}

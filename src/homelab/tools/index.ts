/**
 * Typed wrappers around the homelab CLIs (talosctl, kubectl, flux): argv through
 * the one process runner (src/adapters/process), never a shell; output parsed into values; a failed call throws a
 * `ToolError` whose message is the tool's own last error line (what the orchestrator fingerprints).
 */
export {
  Flux,
  type FluxBootstrapInput,
  type FluxObjectStatus,
  type FluxOptions,
  parseFluxGet,
} from "./flux.ts";
export { Kubectl, type KubectlOptions, parseKubectlTable } from "./kubectl.ts";
export {
  lastErrorLine,
  runTool,
  runToolOrThrow,
  ToolError,
  type ToolOptions,
  type ToolRun,
} from "./run-tool.ts";
export { type GenConfigInput, Talosctl, type TalosctlOptions } from "./talosctl.ts";
export {
  dryRunChangedLines,
  dryRunHasChanges,
  dryRunRiskyLines,
  type EtcdMember,
  parseDisksTable,
  parseEtcdMembers,
  parseServerTag,
  parseServiceOutput,
  type TalosDisk,
  type TalosService,
} from "./talosctl-output.ts";

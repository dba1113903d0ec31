/**
 * The homelab stages' real work. `vms` (vms.ts) talks to Proxmox; the others drive talosctl,
 * kubectl and flux (src/homelab/tools):
 *
 * - `runHomelabStep(name, context)` for talos | infra | apps | ingress | obs → `{ ok }` or
 *   `{ ok: false, lastLine }` with the tool's error text last.
 * - `verifyHomelabStage(name, context, check?)`: a stage's read-only success checks, once
 *   (vms included: its checks read Proxmox and the Talos API, vms-checks.ts).
 * - `STAGE_CHECKS`: the checks by stage (names used by the context map); `CHECKED_STAGES` their names.
 * - `generatedPaths(repoRoot)`: where secrets, configs, talosconfig and kubeconfig are written.
 */
export { listed, type StageCheck } from "./checks.ts";
export { STAGE_NAMESPACES } from "./flux.ts";
export {
  CHECKED_STAGES,
  type CheckedStage,
  HOMELAB_STEPS,
  type HomelabStep,
  type HomelabStepContext,
  type HomelabStepResult,
  runHomelabStep,
  STAGE_CHECKS,
  verifyHomelabStage,
  waitForVmsChecks,
} from "./run-step.ts";
export { type GeneratedPaths, generatedPaths, StageError, stageEnvironment } from "./stage-context.ts";

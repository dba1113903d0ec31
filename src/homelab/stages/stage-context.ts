import { join } from "node:path";
import type { ClusterFile } from "../cluster-file/index.ts";
import type { ProxmoxClient } from "../proxmox/index.ts";
import { Flux, Kubectl, Talosctl, ToolError } from "../tools/index.ts";

/**
 * What the talos, infra, apps, ingress and obs steps share: where generated credentials live,
 * the tool wrappers bound to them, and bounded polling.
 *
 * Generated secrets, machine configs, the talosconfig and the kubeconfig live in the USER's
 * checkout (env ORCHESTRATOR_REPO_ROOT, set by the loop; the working folder when unset), never in
 * the AI worktree the step runs in: they are gitignored, secret, and must survive the worktree.
 */
export interface StageEnvironment {
  /** The user's checkout: generated secrets and credentials. */
  readonly repoRoot: string;
  /** Where the step runs (the AI worktree): tracked files such as talos/patches and kubernetes/bootstrap. */
  readonly worktree: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: (line: string) => void;
  /** Time between polls; env ORCHESTRATOR_POLL_INTERVAL_MS, default 5 s, times the time scale. */
  readonly pollIntervalMs: number;
  /** Polls before a wait gives up; env ORCHESTRATOR_POLL_ATTEMPTS, default 120. */
  readonly pollAttempts: number;
  /**
   * When every wait of this step ends (epoch ms): env ORCHESTRATOR_STEP_WAIT_BUDGET_MS, default
   * 15 minutes (under the pack's shortest stage timeout, 20m), times the time scale. Without it
   * each of a step's waits could take 120 × 5 s, and a step with several waits and polled checks
   * could hold a run for hours and end killed by its timeout instead of with the real reason.
   */
  readonly deadline: number;
  /**
   * Time between reads of a Proxmox task's status: the same env ORCHESTRATOR_POLL_INTERVAL_MS
   * when set (the sandbox lab sets 0: its tasks advance per read, not with time), default 1 s.
   */
  readonly taskPollMs: number;
}

/** Real intervals; env ORCHESTRATOR_TIME_SCALE (e.g. 0.001 in the lab) scales them all. */
export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const DEFAULT_STEP_WAIT_BUDGET_MS = 15 * 60_000;

export function stageEnvironment(
  worktree: string,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
): StageEnvironment {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const scale = number("ORCHESTRATOR_TIME_SCALE", 1);
  return {
    repoRoot: env["ORCHESTRATOR_REPO_ROOT"] || worktree,
    worktree,
    env,
    log,
    pollIntervalMs: number("ORCHESTRATOR_POLL_INTERVAL_MS", DEFAULT_POLL_INTERVAL_MS) * scale,
    pollAttempts: Math.max(1, number("ORCHESTRATOR_POLL_ATTEMPTS", 120)),
    deadline: Date.now() + number("ORCHESTRATOR_STEP_WAIT_BUDGET_MS", DEFAULT_STEP_WAIT_BUDGET_MS) * scale,
    taskPollMs: number("ORCHESTRATOR_POLL_INTERVAL_MS", 1000),
  };
}

export interface GeneratedPaths {
  readonly secrets: string;
  readonly configDir: string;
  readonly talosconfig: string;
  readonly kubeconfig: string;
}

export function generatedPaths(repoRoot: string): GeneratedPaths {
  const configDir = join(repoRoot, "talos", "clusterconfig");
  return {
    secrets: join(repoRoot, "talos", "secrets.yaml"),
    configDir,
    talosconfig: join(configDir, "talosconfig"),
    kubeconfig: join(repoRoot, "kubeconfig"),
  };
}

export function toolsOf(stage: StageEnvironment) {
  const paths = generatedPaths(stage.repoRoot);
  const base = { cwd: stage.worktree, env: stage.env, timeoutMs: 10 * 60_000 };
  let proxmox: Promise<ProxmoxClient> | undefined;
  return {
    paths,
    /** The cluster file's Proxmox API (the vms checks), connected on first use: only then is the secret read. */
    proxmox: (cluster: ClusterFile) => {
      proxmox ??= proxmoxClient(cluster, stage);
      return proxmox;
    },
    talosctl: new Talosctl({ ...base, talosconfig: paths.talosconfig }),
    kubectl: new Kubectl({ ...base, kubeconfig: paths.kubeconfig }),
    flux: new Flux({ ...base, kubeconfig: paths.kubeconfig }),
  };
}

async function proxmoxClient(cluster: ClusterFile, stage: StageEnvironment): Promise<ProxmoxClient> {
  const { ProxmoxClient, connectionFromCluster } = await import("../proxmox/index.ts");
  return new ProxmoxClient(await connectionFromCluster(cluster, { env: stage.env, baseDir: stage.worktree }));
}

/** A stage found a problem a person must act on; the message is the one line to show. */
export class StageError extends Error {
  override name = "StageError";
}

/** Errors a node gives while it boots or reboots: worth another poll, not a failure yet. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof ToolError &&
    /code = Unavailable|i\/o timeout|connection refused|no route to host|connection reset|was refused/.test(
      error.message,
    )
  );
}

/**
 * Polls `probe` until it returns a value (not undefined), tolerating transient tool errors; after
 * the last attempt the last error (or `why()`) goes up, so the step ends with the tool's text.
 */
export async function pollUntil<T>(
  stage: StageEnvironment,
  what: string,
  probe: () => Promise<T | undefined>,
  why: () => string,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= stage.pollAttempts; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
      lastError = undefined;
    } catch (error) {
      if (!isTransient(error)) {
        throw error;
      }
      lastError = error;
    }
    if (attempt < stage.pollAttempts && Date.now() + stage.pollIntervalMs > stage.deadline) {
      // The step's wait budget is spent: end with the real reason now, not killed at the timeout.
      stage.log(`${what}: stopped waiting after ${attempt} polls: the step's wait budget is spent`);
      break;
    }
    if (attempt < stage.pollAttempts) {
      if (attempt === 1 || attempt % 10 === 0) {
        stage.log(`${what}: waiting (${attempt}/${stage.pollAttempts})`);
      }
      await new Promise((resolve) => setTimeout(resolve, stage.pollIntervalMs));
    }
  }
  if (lastError !== undefined) {
    throw lastError;
  }
  throw new StageError(`${what}: ${why()}`);
}

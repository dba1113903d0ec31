import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CILIUM_MANIFEST, LAB_DEPLOY_KEY, startSandboxLab } from "../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../lab/sandbox/publish.ts";
import { runProcess } from "../adapters/process/index.ts";
import { readIfExists } from "../adapters/state-store/atomic-file.ts";
import { type JournalRecord, parseJournal } from "../core/journal/index.ts";
import { STATE_FILES } from "../core/repo-layout/index.ts";
import { CLUSTER_FILE, type Fault, type FaultClass, type RepoFiles, type StageName } from "./faults.ts";

/** The CLI of this installation: each fault runs the real thing, as a user would. */
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/orchestrator");
const CILIUM_FILE = "kubernetes/bootstrap/20-cilium.yaml";
const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: "Qualify",
  GIT_AUTHOR_EMAIL: "qualify@lab.lan",
  GIT_COMMITTER_NAME: "Qualify",
  GIT_COMMITTER_EMAIL: "qualify@lab.lan",
};

/** One fault's row in the qualification report. */
export interface FaultResult {
  readonly fault: string;
  readonly stage: StageName;
  readonly class: FaultClass;
  /** All six stages green (configuration, transient) or a stop naming the cause (unfixable). */
  readonly converged: boolean;
  /** How the run ended: green, give_up, needs_human, or failed (the CLI itself failed). */
  readonly ending: "green" | "give_up" | "needs_human" | "failed";
  readonly stageRuns: number;
  readonly executorRuns: number;
  readonly apiCalls: number;
  readonly escalations: number;
  readonly tokens: number;
  readonly seconds: number;
  /** The give_up or needs_human reason, or why the run failed; empty when green. */
  readonly reason: string;
}

export interface RunFaultOptions {
  /** The user's environment: their executor and model settings pass through. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Extra variables for this fault (e.g. a loopback model that knows its fix). */
  readonly extraEnv?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly keep?: boolean;
}

/**
 * Plants one fault in a throwaway homelab repo against a private sandbox lab, pushes its `main`
 * to the lab's git server (which Flux syncs), runs `orchestrator all` there with GitOps delivery
 * `auto` on the lab's forge (a fix to the Flux tree reaches the cluster as a merged pull request),
 * and reads what happened back from ai/state (the journal).
 */
export async function runFault(fault: Fault, options: RunFaultOptions): Promise<FaultResult> {
  const started = performance.now();
  const root = await mkdtemp(join(tmpdir(), `qualify-${fault.id}-`));
  const lab = await startSandboxLab(join(root, "lab"));
  try {
    if (fault.world) {
      lab.change(fault.world);
    }
    const repo = join(root, "homelab");
    const env: Record<string, string> = {
      ...definedOnly(options.env),
      ...lab.env,
      ...lab.forge.env("auto"),
      ...GIT_IDENTITY,
      RETRY_BACKOFF: "0",
      ...options.extraEnv,
    };
    const run = (argv: string[], timeoutMs = 60_000) =>
      runProcess(argv, { cwd: repo, env, timeoutMs, output: { mode: "all", tailLines: 20 } });
    await mkdir(repo, { recursive: true });
    await mustPass(run(["git", "init", "-q", "-b", "main"]), "git init");
    await mustPass(run([process.execPath, CLI, "init"]), "orchestrator init");
    const files: RepoFiles = new Map([
      [CLUSTER_FILE, lab.clusterFile()],
      [CILIUM_FILE, CILIUM_MANIFEST],
      ["deploy.key", LAB_DEPLOY_KEY],
      ...Object.entries(lab.fluxTree()),
    ]);
    fault.repo?.(files);
    await writeRepoFiles(repo, files);
    await mustPass(run(["git", "add", "-A"]), "git add");
    await mustPass(run(["git", "commit", "-qm", `homelab with fault ${fault.id}`]), "git commit");
    await publishToLab(repo, lab, env);
    const all = await run([process.execPath, CLI, "all"], options.timeoutMs ?? 15 * 60_000);
    const journal = await readJournal(repo);
    const cause = await causeLine(repo, journal);
    return resultOf(fault, journal, all.exitCode, (performance.now() - started) / 1000, all.tail, cause);
  } finally {
    await lab.close();
    if (!options.keep) {
      await rm(root, { recursive: true, force: true });
    }
  }
}

/** The journal the run wrote, read as every other reader of it does (tolerant of a torn line). */
async function readJournal(repo: string): Promise<JournalRecord[]> {
  return parseJournal((await readIfExists(join(repo, STATE_FILES.journal))) ?? "").records;
}

/** The records of one event type, typed as that event. */
function ofType<T extends JournalRecord["type"]>(
  journal: readonly JournalRecord[],
  type: T,
): Extract<JournalRecord, { type: T }>[] {
  return journal.filter((event): event is Extract<JournalRecord, { type: T }> => event.type === type);
}

function resultOf(
  fault: Fault,
  journal: readonly JournalRecord[],
  exitCode: number | null,
  seconds: number,
  tail: readonly string[],
  cause: string | undefined,
): FaultResult {
  const calls = ofType(journal, "api_call");
  const tokens = calls.reduce((sum, event) => sum + event.usage.inputTokens + event.usage.outputTokens, 0);
  const apiCalls = calls.reduce((sum, event) => sum + event.requests, 0);
  const stop = journal.findLast(
    (event): event is Extract<JournalRecord, { type: "give_up" | "needs_human" }> =>
      event.type === "give_up" || event.type === "needs_human",
  );
  const outcomes = ofType(journal, "run_finished").at(-1)?.outcomes ?? [];
  const allGreen = outcomes.length === 6 && outcomes.every((outcome) => outcome.status === "green");
  const ending: FaultResult["ending"] = allGreen ? "green" : stop ? stop.type : "failed";
  const stopReason = stop?.reason ?? "";
  // The loop's give_up reason may only count attempts; the stage's own last line says why.
  const withCause =
    cause !== undefined && !stopReason.includes(cause) ? `${stopReason} — cause: ${cause}` : stopReason;
  const reason =
    ending === "green"
      ? ""
      : stop
        ? withCause
        : `orchestrator all exited ${exitCode}: ${tail.at(-1) ?? "no output"}`;
  // An unfixable fault converges when the run stopped and the loop's own reason names the cause.
  const converged =
    fault.class === "unfixable"
      ? ending !== "green" && ending !== "failed" && (fault.cause?.test(stopReason) ?? false)
      : ending === "green";
  return {
    fault: fault.id,
    stage: fault.stage,
    class: fault.class,
    converged,
    ending,
    stageRuns: ofType(journal, "stage_run").length,
    executorRuns: ofType(journal, "executor_run").length,
    apiCalls,
    escalations: calls.length,
    tokens,
    seconds: Math.round(seconds * 10) / 10,
    reason,
  };
}

/** The last line of the last failed stage run's log: the stage's own words for what went wrong. */
async function causeLine(repo: string, journal: readonly JournalRecord[]): Promise<string | undefined> {
  const failed = ofType(journal, "stage_run")
    .filter((event) => !event.green)
    .at(-1);
  const text = failed === undefined ? undefined : await readIfExists(join(repo, failed.logFile));
  return text
    ?.split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("[orchestrator]"))
    .at(-1)
    ?.trim();
}

async function mustPass(running: ReturnType<typeof runProcess>, what: string): Promise<void> {
  const result = await running;
  if (result.exitCode !== 0) {
    throw new Error(
      `${what} failed (exit ${result.exitCode}): ${result.tail.at(-1) ?? result.startError ?? ""}`,
    );
  }
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

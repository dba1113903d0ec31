import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CILIUM_MANIFEST, LAB_DEPLOY_KEY, startSandboxLab } from "../../lab/sandbox/index.ts";
import { publishToLab, writeRepoFiles } from "../../lab/sandbox/publish.ts";
import { runProcess } from "../adapters/process/index.ts";
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

type JournalLine = Record<string, unknown> & { type: string };

async function readJournal(repo: string): Promise<JournalLine[]> {
  let text: string;
  try {
    text = await readFile(join(repo, STATE_FILES.journal), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return [];
    }
    throw error;
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as JournalLine);
}

function resultOf(
  fault: Fault,
  journal: readonly JournalLine[],
  exitCode: number | null,
  seconds: number,
  tail: readonly string[],
  cause: string | undefined,
): FaultResult {
  const count = (type: string) => journal.filter((event) => event.type === type).length;
  const calls = journal.filter((event) => event.type === "api_call");
  const tokens = calls.reduce((sum, event) => {
    const usage = event["usage"] as { inputTokens?: number; outputTokens?: number } | undefined;
    return sum + (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
  }, 0);
  const apiCalls = calls.reduce((sum, event) => sum + Number(event["requests"] ?? 0), 0);
  const stop = [...journal]
    .reverse()
    .find((event) => event.type === "give_up" || event.type === "needs_human");
  const finished = [...journal].reverse().find((event) => event.type === "run_finished");
  const outcomes = (finished?.["outcomes"] ?? []) as { stage: string; status: string }[];
  const allGreen = outcomes.length === 6 && outcomes.every((outcome) => outcome.status === "green");
  const ending: FaultResult["ending"] = allGreen
    ? "green"
    : stop
      ? (stop.type as "give_up" | "needs_human")
      : "failed";
  const stopReason = stop ? String(stop["reason"] ?? "") : "";
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
    stageRuns: count("stage_run"),
    executorRuns: count("executor_run"),
    apiCalls,
    escalations: calls.length,
    tokens,
    seconds: Math.round(seconds * 10) / 10,
    reason,
  };
}

/** The last line of the last failed stage run's log: the stage's own words for what went wrong. */
async function causeLine(repo: string, journal: readonly JournalLine[]): Promise<string | undefined> {
  const failed = [...journal]
    .reverse()
    .find((event) => event.type === "stage_run" && event["green"] === false);
  const logFile = failed?.["logFile"];
  if (typeof logFile !== "string") {
    return undefined;
  }
  let text: string;
  try {
    text = await readFile(join(repo, logFile), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw error;
  }
  return text
    .split("\n")
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

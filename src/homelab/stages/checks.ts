import type { ClusterFile } from "../cluster-file/index.ts";
import { pollUntil, type StageEnvironment, StageError, toolsOf } from "./stage-context.ts";

/**
 * A stage's success checks: read-only, each comparing what the real tools report with the
 * cluster file. The step runs them at its end (polling, since a cluster settles); the context
 * map's `success_criteria` run them one by one through `orchestrator verify <stage> <check>`.
 */
export interface StageCheck {
  readonly name: string;
  /** What passing means, for the context map and the terminal. */
  readonly description: string;
  /** undefined: passed; otherwise why not, quoting what the tool printed. */
  run(cluster: ClusterFile, tools: ReturnType<typeof toolsOf>): Promise<string | undefined>;
}

export interface CheckRun {
  readonly cluster: ClusterFile;
  readonly stage: StageEnvironment;
  /** Poll each check until it passes (the step) or try once (verify). */
  readonly waitForIt: boolean;
}

/** Runs the checks in order; the first failure throws with the check's reason. */
export async function runChecks(checks: readonly StageCheck[], run: CheckRun): Promise<void> {
  const tools = toolsOf(run.stage);
  for (const check of checks) {
    try {
      await runCheck(check, run, tools);
    } catch (error) {
      // A tool failing inside a check (kubectl, talosctl) throws its own text, which does not
      // name the check: say which check it was, so the log and the case file can mark it failed.
      if (error instanceof Error && !(error instanceof StageError)) {
        run.stage.log(`check ${check.name}: ${error.message.split("\n")[0]}`);
      }
      throw error;
    }
    run.stage.log(`check ${check.name}: ok (${check.description})`);
  }
}

async function runCheck(check: StageCheck, run: CheckRun, tools: ReturnType<typeof toolsOf>): Promise<void> {
  let why: string | undefined;
  if (run.waitForIt) {
    await pollUntil(
      run.stage,
      `check ${check.name}`,
      async () => {
        why = await check.run(run.cluster, tools);
        return why === undefined ? true : undefined;
      },
      () => why ?? "failed",
    );
  } else {
    why = await check.run(run.cluster, tools);
    if (why !== undefined) {
      throw new StageError(`check ${check.name}: ${why}`);
    }
  }
}

/** `a, b and c` for messages. */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "none") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

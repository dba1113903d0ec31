import type { Command } from "commander";
import { killLiveProcessGroups } from "../../adapters/process/index.ts";
import type { SettingFlags } from "../../config/index.ts";
import { findRepoRoot } from "../repo-root.ts";

export interface GlobalOptions extends SettingFlags {
  repo?: string;
}

/** Ctrl-C stops the stage's whole process tree and records it; a second Ctrl-C exits at once. */
export function interruptController(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let presses = 0;
  const onSignal = (name: NodeJS.Signals) => {
    presses++;
    if (presses > 1) {
      // Our children run in process groups of their own, out of the terminal's reach: end them.
      killLiveProcessGroups();
      process.exit(130);
    }
    process.stderr.write(`\n${name}: stopping the running stage and its processes (again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/** `orchestrator <stage> [--reset]` and `orchestrator all`. */
export async function runStageCommand(
  stage: string,
  options: GlobalOptions & { reset?: boolean },
): Promise<void> {
  const repoRoot = findRepoRoot(options.repo ?? process.cwd());
  const [{ openRunContext }, { convergeAll, convergeStage, resetStage }, { terminalReporter }] =
    await Promise.all([
      import("../run-context.ts"),
      import("../../reconcile/index.ts"),
      import("../progress.ts"),
    ]);
  const interrupt = interruptController();
  const { ctx, lock } = await openRunContext({
    repoRoot,
    target: { stage, reset: options.reset === true },
    flags: options,
    lockFor: options.reset ? `${stage} --reset` : stage,
    reporter: terminalReporter(),
    signal: interrupt.signal,
  });
  try {
    if (lock.takenOverFrom) {
      const from = lock.takenOverFrom;
      process.stderr.write(
        `took over a lock left by pid ${from.pid} (${from.host}, since ${from.since}), which is gone\n`,
      );
    }
    for (const warning of ctx.state.warnings) {
      process.stderr.write(`warning: ${warning}\n`);
    }
    if (options.reset) {
      if (stage === "all") {
        for (const name of Object.keys(ctx.contextMap.stages)) {
          await resetStage(ctx, name);
        }
      } else {
        await resetStage(ctx, stage);
      }
      process.stdout.write(`${stage}: reset to idle\n`);
      return;
    }
    await ctx.state.journal({ type: "run_started", target: stage });
    const outcomes = stage === "all" ? await convergeAll(ctx) : [await convergeStage(ctx, stage)];
    await ctx.state.journal({ type: "run_finished", target: stage, outcomes });
    const last = outcomes.at(-1);
    for (const outcome of outcomes) {
      process.stdout.write(
        `${outcome.stage}: ${outcome.status}${outcome.status === "green" ? "" : ` — ${outcome.reason}`}\n`,
      );
    }
    if (last?.status === "interrupted") {
      process.exitCode = 130;
    } else if (outcomes.some((outcome) => outcome.status !== "green")) {
      process.exitCode = 1;
    }
  } finally {
    await lock.release();
    interrupt.dispose();
  }
}

export function registerRunOptions(program: Command): void {
  program
    .option(
      "-C, --repo <dir>",
      "the homelab repo (default: the nearest folder above with ai/context_map.yaml)",
    )
    .option(
      "--executor-retry-threshold <n>",
      "attempts per error before escalating (EXECUTOR_RETRY_THRESHOLD)",
    )
    .option("--api-call-budget <n>", "API calls per error before give_up (API_CALL_BUDGET)")
    .option("--ai-branch <name>", "git branch for AI changes (AI_BRANCH)")
    .option(
      "--retry-backoff <duration>",
      "first wait between plain retries, doubling to 5m; 0 for none (RETRY_BACKOFF)",
    )
    .option("--executor <kind>", "auto, codex, openai-compatible, command, playbook or none (EXECUTOR)");
}

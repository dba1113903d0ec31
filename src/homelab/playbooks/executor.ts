import type { Executor, ExecutorReport, ExecutorRequest } from "../../adapters/executors/types.ts";
import { PLAYBOOKS, type PlaybookFactSource, type RunnablePlaybook, runPlaybooks } from "./index.ts";

/**
 * The homelab pack's playbooks as an executor: always available, no model, no network beyond
 * its facts. The pack registers it with the executor registry like any other fixer; the generic
 * engine does not know the pack.
 */
export function createPlaybookExecutor(options: {
  facts: PlaybookFactSource;
  playbooks?: readonly RunnablePlaybook[];
}): Executor {
  return {
    kind: "playbook",
    available: async () => true,
    async run(request: ExecutorRequest): Promise<ExecutorReport> {
      const result = await runPlaybooks({
        worktree: request.worktree,
        evidence: { lines: request.fingerprint.lines, logTail: request.logTail },
        facts: options.facts,
        stageFiles: request.relevantFiles,
        playbooks: options.playbooks ?? PLAYBOOKS,
      });
      return result.kind === "changed"
        ? { outcome: "changed", summary: result.summary, filesOpened: result.filesOpened }
        : { outcome: "no_change", summary: result.summary, filesOpened: [] };
    },
  };
}

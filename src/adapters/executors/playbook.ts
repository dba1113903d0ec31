import {
  PLAYBOOKS,
  type PlaybookFactSource,
  type RunnablePlaybook,
  runPlaybooks,
} from "../../homelab/playbooks/index.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";

/** The built-in playbooks as an executor: always available, no model, no network beyond its facts. */
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
        playbooks: options.playbooks ?? PLAYBOOKS,
      });
      return result.kind === "changed"
        ? { outcome: "changed", summary: result.summary, filesOpened: [result.clusterPath] }
        : { outcome: "no_change", summary: result.summary, filesOpened: [] };
    },
  };
}

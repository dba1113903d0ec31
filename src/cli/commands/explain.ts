import { StateStore } from "../../adapters/state-store/index.ts";
import { loadContextMap, stageSpecOf } from "../../config/index.ts";
import { explainEpisode, lastEpisode } from "../../core/explain/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator explain <stage> [--json]`: the story of the stage's last episode, quoting the
 * failing lines each decision was taken on; with --json the episode's journal events and the story.
 */
export async function run(
  [stage]: [string],
  options: GlobalOptions & { json?: boolean },
  io: CliIO,
): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  stageSpecOf(await loadContextMap(repoRoot), stage);
  const journal = await new StateStore(repoRoot).readJournal();
  const episode = lastEpisode(journal, stage);
  const story = explainEpisode(stage, episode);
  if (options.json) {
    const failing = [...episode]
      .reverse()
      .find((event) => event.type === "decision" || event.type === "needs_human");
    const failingLines = failing && "lines" in failing ? (failing.lines ?? []) : [];
    io.stdout.write(`${JSON.stringify({ stage, events: episode, failingLines, story })}\n`);
  } else {
    io.stdout.write(story);
  }
  return 0;
}

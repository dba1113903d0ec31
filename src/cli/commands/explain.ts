import { StateStore } from "../../adapters/state-store/index.ts";
import { loadContextMap, stageSpecOf } from "../../config/index.ts";
import { explainEpisode, lastEpisode } from "../../core/explain/index.ts";
import { findRepoRoot } from "../repo-root.ts";
import type { GlobalOptions } from "./run.ts";

export async function explainCommand(stage: string, options: GlobalOptions): Promise<void> {
  const repoRoot = findRepoRoot(options.repo ?? process.cwd());
  stageSpecOf(await loadContextMap(repoRoot), stage);
  const journal = await new StateStore(repoRoot).readJournal();
  process.stdout.write(explainEpisode(stage, lastEpisode(journal, stage)));
}

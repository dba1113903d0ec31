import { StateStore } from "../../adapters/state-store/index.ts";
import { loadContextMap, stageSpecOf } from "../../config/index.ts";
import { explainEpisode, lastEpisode } from "../../core/explain/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

export async function run([stage]: [string], options: GlobalOptions, io: CliIO): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  stageSpecOf(await loadContextMap(repoRoot), stage);
  const journal = await new StateStore(repoRoot).readJournal();
  io.stdout.write(explainEpisode(stage, lastEpisode(journal, stage)));
  return 0;
}

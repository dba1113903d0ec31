import { revertByHand } from "../../adapters/side-branch/hand-revert.ts";
import { loadContextMap, resolveSettings } from "../../config/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/** `orchestrator revert ID [--reason TEXT]`: revert one of the AI branch's commits by hand. */
export async function run(
  [commit]: [string],
  options: GlobalOptions & { reason: string },
  io: CliIO,
): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  const { aiBranch } = resolveSettings(await loadContextMap(repoRoot), io.env, options);
  const revert = await revertByHand({ repoRoot, branch: aiBranch, commit, reason: options.reason });
  io.stdout.write(`reverted ${commit} on ${aiBranch}: ${revert.slice(0, 12)}\n`);
  return 0;
}

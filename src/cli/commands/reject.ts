import { rejectProposal } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { withRunContext } from "../run-context.ts";

/**
 * `orchestrator reject ID`: revert a proposed fix on the AI branch; it is remembered as rejected
 * for its error and never proposed or replayed for it again.
 */
export async function run([id]: [string], options: GlobalOptions, io: CliIO): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  return withRunContext(io, { repoRoot, flags: options, lockFor: `reject ${id}` }, async ({ ctx }) => {
    const { proposal, revert } = await rejectProposal(ctx, id);
    const undone =
      revert === undefined
        ? `${proposal.commit.slice(0, 10)} is no longer on ${ctx.settings.aiBranch} (dropped when it was rebuilt on your branch), so there was nothing to revert`
        : `reverted ${proposal.commit.slice(0, 10)} on ${ctx.settings.aiBranch} (${revert.slice(0, 10)})`;
    io.stdout.write(
      `rejected ${proposal.id}: ${undone}; it will not be offered again for this error. Run "orchestrator ${proposal.stage}" to look for another fix\n`,
    );
    return 0;
  });
}

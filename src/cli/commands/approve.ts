import { approveProposal } from "../../reconcile/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";
import { withRunContext } from "../run-context.ts";

/**
 * `orchestrator approve ID`: run the stage with a proposed fix, which is verified as any other
 * (green remembers it, the same error reverts it). Exit 0 when the stage ends green.
 */
export async function run([id]: [string], options: GlobalOptions, io: CliIO): Promise<number> {
  const repoRoot = repoRootOf(options, io);
  return withRunContext(io, { repoRoot, flags: options, lockFor: `approve ${id}` }, async ({ ctx }) => {
    for (const warning of ctx.state.warnings) {
      io.stderr.write(`warning: ${warning}\n`);
    }
    await ctx.state.journal({ type: "run_started", target: `approve ${id}` });
    const outcome = await approveProposal(ctx, id);
    await ctx.state.journal({ type: "run_finished", target: `approve ${id}`, outcomes: [outcome] });
    io.stdout.write(
      `${outcome.stage}: ${outcome.status}${outcome.status === "green" ? "" : ` — ${outcome.reason}`}\n`,
    );
    if (outcome.status === "interrupted") {
      return 130;
    }
    return outcome.status === "green" ? 0 : 1;
  });
}

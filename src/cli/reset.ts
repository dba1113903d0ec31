import { changedFiles } from "../adapters/fix-memory/git-facts.ts";
import { git } from "../adapters/git/index.ts";
import { isSecretPath } from "../core/redaction/index.ts";
import { type RunContext, resetStage } from "../reconcile/index.ts";
import type { CliIO } from "./io.ts";

/**
 * `orchestrator <stage> --reset` and `all --reset`: a stage back to idle after a human fix. `all`
 * resets only the stages that are not green (a green stage's state is its proof, and resetting it
 * would only make the next run start over), and says which. After a give_up, the human's commits
 * become a remembered fix, except secret files, which never are: that is said, not left silent.
 */
export async function resetStages(ctx: RunContext, stage: string, io: CliIO): Promise<void> {
  const statuses = await ctx.state.stageStatuses();
  const names =
    stage === "all"
      ? Object.keys(ctx.contextMap.stages).filter((name) => statuses[name]?.status !== "green")
      : [stage];
  for (const name of names) {
    const secretFiles = await humanFixSecretFiles(ctx, statuses[name]?.giveUpHead, statuses[name]?.status);
    await resetStage(ctx, name);
    if (secretFiles.length > 0) {
      io.stdout.write(
        `${name}: your fix changed ${secretFiles.join(", ")}, which ${secretFiles.length === 1 ? "is a secret file" : "are secret files"} (secrets: in ai/context_map.yaml or built in): never remembered as part of a fix, so a replay will not bring ${secretFiles.length === 1 ? "it" : "them"} back\n`,
      );
    }
  }
  if (stage !== "all") {
    io.stdout.write(`${stage}: reset to idle\n`);
  } else if (names.length === 0) {
    io.stdout.write("all: every stage is green; nothing to reset (reset one by name to start it over)\n");
  } else {
    const kept = Object.keys(ctx.contextMap.stages).filter((name) => !names.includes(name));
    io.stdout.write(
      `all: reset ${names.join(", ")} to idle${kept.length > 0 ? `; ${kept.join(", ")} stay green` : ""}\n`,
    );
  }
}

/** The secret files among what the human committed since the give_up (what rememberHumanFix leaves out). */
async function humanFixSecretFiles(
  ctx: RunContext,
  giveUpHead: string | undefined,
  status: string | undefined,
): Promise<string[]> {
  if (status !== "give_up" || giveUpHead === undefined) {
    return [];
  }
  const repoRoot = ctx.repoRoot;
  const head = (await git(["rev-parse", "HEAD"], { cwd: repoRoot })).stdout.trim();
  const base = await git(["merge-base", giveUpHead, head], { cwd: repoRoot, allowFailure: true });
  if (base.exitCode !== 0 || base.stdout.trim() === head) {
    return [];
  }
  const files = await changedFiles(repoRoot, [base.stdout.trim(), head]);
  return files.filter((path) => isSecretPath(path, ctx.contextMap.secrets));
}

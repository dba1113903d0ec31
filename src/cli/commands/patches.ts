import { git } from "../../adapters/git/index.ts";
import { ProposalStore } from "../../adapters/proposals/index.ts";
import { readAiCommits } from "../../adapters/side-branch/commits.ts";
import { loadContextMap, resolveSettings, stageSpecOf } from "../../config/index.ts";
import { alignColumns } from "../../core/text/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import { type CliIO, readAllText } from "../io.ts";

/**
 * What `checkPatchFile` takes (its body is being rewritten on another branch; it keeps this
 * shape until then): the working folder, the environment and standard input.
 */
export type PatchesCommandContext = {
  cwd: () => string;
  env: Readonly<Record<string, string | undefined>>;
  readStdin: () => Promise<string>;
  /** The homelab repo (`-C`, or the one around the working folder). */
  repoRoot: string;
  /** `--ai-branch` and the other setting flags. */
  flags: GlobalOptions;
};

export function patchesContext(options: GlobalOptions, io: CliIO): PatchesCommandContext {
  return {
    cwd: () => io.cwd,
    env: io.env,
    readStdin: () => readAllText(io.stdin),
    repoRoot: repoRootOf(options, io),
    flags: options,
  };
}

/** `orchestrator patches [--stage S] [--json]`: the AI branch's patch commits and their fate. */
export async function run(
  _args: [],
  options: GlobalOptions & { stage?: string; json?: boolean },
  io: CliIO,
): Promise<number> {
  const { repoRoot, contextMap, aiBranch } = await locate(patchesContext(options, io));
  if (options.stage !== undefined) {
    stageSpecOf(contextMap, options.stage);
  }
  const all = (await branchExists(repoRoot, aiBranch))
    ? await readAiCommits(repoRoot, `refs/heads/${aiBranch}`)
    : [];
  const proposals = new Map((await new ProposalStore(repoRoot).list()).map((entry) => [entry.commit, entry]));
  const commits = (
    options.stage === undefined ? all : all.filter((commit) => commit.stage === options.stage)
  ).map((commit) => {
    const proposal = proposals.get(commit.commit);
    return proposal ? { ...commit, proposal: { id: proposal.id, status: proposal.status } } : commit;
  });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ version: 1, branch: aiBranch, patches: commits }, null, 2)}\n`);
    return 0;
  }
  if (commits.length === 0) {
    io.stdout.write(`no AI patches on ${aiBranch}${options.stage ? ` for stage ${options.stage}` : ""}\n`);
    return 0;
  }
  const rows = commits.map((commit) => [
    commit.shortCommit,
    commit.date.slice(0, 16).replace("T", " "),
    commit.stage,
    commit.source,
    commit.reverted
      ? `reverted (${commit.revertReason || "no reason given"})`
      : "proposal" in commit && commit.proposal.status === "awaiting"
        ? `awaiting approval: orchestrator approve ${commit.proposal.id}`
        : "applied",
    commit.summary,
  ]);
  io.stdout.write(table([["COMMIT", "DATE", "STAGE", "SOURCE", "OUTCOME", "SUMMARY"], ...rows]));
  return 0;
}

async function locate(context: PatchesCommandContext) {
  const repoRoot = context.repoRoot;
  const contextMap = await loadContextMap(repoRoot);
  const settings = resolveSettings(contextMap, context.env, context.flags);
  return { repoRoot, contextMap, settings, aiBranch: settings.aiBranch };
}

async function branchExists(repoRoot: string, branch: string): Promise<boolean> {
  const result = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], {
    cwd: repoRoot,
    allowFailure: true,
  });
  return result.exitCode === 0;
}

function table(rows: string[][]): string {
  return alignColumns(rows)
    .map((line) => `${line}\n`)
    .join("");
}

export async function checkPatchFile(
  context: PatchesCommandContext,
  file: string,
  options: { stage?: string },
) {
  const { repoRoot, contextMap, settings, aiBranch } = await locate(context);
  const [{ stageSpecOf }, { UserError }, { readFile, stat }, { resolve }] = await Promise.all([
    import("../../config/index.ts"),
    import("../../errors/index.ts"),
    import("node:fs/promises"),
    import("node:path"),
  ]);
  if (options.stage !== undefined) {
    stageSpecOf(contextMap, options.stage);
  }
  let editText: string;
  try {
    // resolve(), not join(): an absolute FILE is read where it is.
    editText =
      file === "-" ? await context.readStdin() : await readFile(resolve(context.cwd(), file), "utf8");
  } catch (error) {
    throw new UserError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const [{ aiWorktreeLocation, findGitTopLevel }, { checkEdit }, { guardRulesFrom }] = await Promise.all([
    import("../../adapters/side-branch/index.ts"),
    import("../../adapters/edits/index.ts"),
    import("../../core/patch-guard/index.ts"),
  ]);
  const hasBranch = await branchExists(repoRoot, aiBranch);
  const worktree = await aiWorktreeLocation(await findGitTopLevel(repoRoot));
  // Only ENOENT means absent; any other error (EACCES) is reported.
  const worktreeExists =
    hasBranch &&
    (await stat(worktree).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") {
          return false;
        }
        throw error;
      },
    ));
  // Without an AI branch yet, the branch would start from HEAD: check against that.
  const check = await checkEdit({
    repoRoot,
    ref: hasBranch ? `refs/heads/${aiBranch}` : "HEAD",
    editText,
    rules: guardRulesFrom(contextMap, settings),
    ...(worktreeExists ? { worktree } : {}),
  });
  if (check.status === "accepted") {
    // What would be committed: the edit, whatever its format, as a canonical git diff.
    process.stdout.write(`accepted\n${check.diff}`);
    return;
  }
  process.stdout.write(check.reasons.map((reason) => `refused: ${reason}\n`).join(""));
  process.exitCode = 1;
}

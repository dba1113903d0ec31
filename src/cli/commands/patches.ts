import type { Command } from "commander";

/** Where a command runs; tests pass their own. */
export type PatchesCommandContext = {
  cwd: () => string;
  env: Readonly<Record<string, string | undefined>>;
  readStdin: () => Promise<string>;
};

const DEFAULT_CONTEXT: PatchesCommandContext = {
  cwd: () => process.cwd(),
  env: process.env,
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  },
};

/**
 * `orchestrator patches [--stage S] [--json]`, `orchestrator patches check FILE [--stage S]`
 * and `orchestrator revert ID [--reason TEXT]`.
 */
export function registerPatchesCommands(
  program: Command,
  context: PatchesCommandContext = DEFAULT_CONTEXT,
): void {
  const patches = program
    .command("patches")
    .description("list the AI branch's patch commits and what became of them")
    .option("--stage <stage>", "only this stage's patches")
    .option("--json", "stable JSON for scripts")
    .action(async (options: { stage?: string; json?: boolean }) => {
      await listPatches(context, options);
    });

  patches
    .command("check <file>")
    .description(
      'check a diff against the AI branch without applying it ("-" reads stdin); exit 0 accepted, 1 refused',
    )
    .option("--stage <stage>", "the stage the diff is for (must exist in ai/context_map.yaml)")
    .action(async (file: string, options: { stage?: string }) => {
      await checkPatchFile(context, file, { ...patches.opts(), ...options });
    });

  program
    .command("revert <id>")
    .description("revert one of the AI branch's patch commits by hand")
    .option("--reason <text>", "why, recorded in the revert commit", "reverted by hand")
    .action(async (id: string, options: { reason: string }) => {
      const { repoRoot, aiBranch } = await locate(context);
      const [{ SideBranch }, { StateStore }] = await Promise.all([
        import("../../adapters/side-branch/index.ts"),
        import("../../adapters/state-store/index.ts"),
      ]);
      // The worktree is the running loop's: a hand revert waits its turn like any other run.
      const state = new StateStore(repoRoot);
      await state.ensure();
      const lock = await state.lock(`revert ${id}`);
      try {
        const side = await SideBranch.open({ repoRoot, branch: aiBranch });
        const revert = await side.revert(id, options.reason);
        await state.journal({
          type: "patch_reverted",
          commit: id,
          revert,
          reason: options.reason,
          by: "human",
        });
        process.stdout.write(`reverted ${id} on ${aiBranch}: ${revert.slice(0, 12)}\n`);
      } finally {
        await lock.release();
      }
    });
}

async function locate(context: PatchesCommandContext) {
  const [{ findRepoRoot }, { loadContextMap, resolveSettings }] = await Promise.all([
    import("../../adapters/side-branch/index.ts"),
    import("../../config/index.ts"),
  ]);
  const repoRoot = await findRepoRoot(context.cwd());
  const contextMap = await loadContextMap(repoRoot);
  const settings = resolveSettings(contextMap, context.env);
  return { repoRoot, contextMap, settings, aiBranch: settings.aiBranch };
}

async function branchExists(repoRoot: string, branch: string): Promise<boolean> {
  const { git } = await import("../../adapters/git/index.ts");
  const result = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], {
    cwd: repoRoot,
    allowFailure: true,
  });
  return result.exitCode === 0;
}

async function listPatches(context: PatchesCommandContext, options: { stage?: string; json?: boolean }) {
  const { repoRoot, contextMap, aiBranch } = await locate(context);
  const { stageSpecOf } = await import("../../config/index.ts");
  if (options.stage !== undefined) {
    stageSpecOf(contextMap, options.stage);
  }
  const { readAiCommits } = await import("../../adapters/side-branch/commits.ts");
  const all = (await branchExists(repoRoot, aiBranch))
    ? await readAiCommits(repoRoot, `refs/heads/${aiBranch}`)
    : [];
  const commits = options.stage === undefined ? all : all.filter((commit) => commit.stage === options.stage);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ version: 1, branch: aiBranch, patches: commits }, null, 2)}\n`);
    return;
  }
  if (commits.length === 0) {
    process.stdout.write(
      `no AI patches on ${aiBranch}${options.stage ? ` for stage ${options.stage}` : ""}\n`,
    );
    return;
  }
  const rows = commits.map((commit) => [
    commit.shortCommit,
    commit.date.slice(0, 16).replace("T", " "),
    commit.stage,
    commit.source,
    commit.reverted ? `reverted (${commit.revertReason || "no reason given"})` : "applied",
    commit.summary,
  ]);
  process.stdout.write(table([["COMMIT", "DATE", "STAGE", "SOURCE", "OUTCOME", "SUMMARY"], ...rows]));
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join("  "),
    )
    .map((line) => `${line}\n`)
    .join("");
}

async function checkPatchFile(context: PatchesCommandContext, file: string, options: { stage?: string }) {
  const { repoRoot, contextMap, settings, aiBranch } = await locate(context);
  const [{ stageSpecOf }, { UserError }, { readFile, stat }, { join, resolve }] = await Promise.all([
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
  const [{ WORKTREE_PATH }, { checkEdit }, { guardRulesFrom }] = await Promise.all([
    import("../../adapters/side-branch/index.ts"),
    import("../../adapters/edits/index.ts"),
    import("../../core/patch-guard/index.ts"),
  ]);
  const hasBranch = await branchExists(repoRoot, aiBranch);
  const worktree = join(repoRoot, WORKTREE_PATH);
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

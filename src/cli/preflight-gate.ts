import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists, writeFileAtomic } from "../adapters/state-store/atomic-file.ts";
import { StateStore } from "../adapters/state-store/index.ts";
import { loadContextMap } from "../config/context-map.ts";
import { CONTEXT_MAP_FILE, STATE_DIR, STATE_FILES } from "../core/repo-layout/index.ts";
import type { CliIO } from "./io.ts";

/**
 * Before anything runs: what would make every run fail the same way (uncommitted files the
 * stages need, init's files hidden by .gitignore, a missing tool), each said in one line.
 * A pass is remembered with what it depended on (the context map's text, the stages, git's
 * HEAD and index, PATH): a run of stages that are all green skips it until one of those changes.
 * Any stage that is not green gets the full preflight again, since a file created but never
 * committed is exactly what makes a stage fail in the worktree.
 */
export async function preflightPasses(repoRoot: string, stage: string, io: CliIO): Promise<boolean> {
  const contextMap = await loadContextMap(repoRoot);
  const stages = stage === "all" ? Object.keys(contextMap.stages) : [stage];
  const key = await passKey(repoRoot, stages, io.env);
  const remembered = join(repoRoot, STATE_FILES.preflight);
  if (
    key !== undefined &&
    (await readIfExists(remembered))?.trim() === key &&
    (await allGreen(repoRoot, stages))
  ) {
    return true;
  }
  // Loaded only when the remembered pass does not hold: a run of green stages skips the checks,
  // so it should not pay for loading them either.
  const { preflight } = await import("../preflight/index.ts");
  const report = await preflight(repoRoot, contextMap, stages, io.env);
  for (const warning of report.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
  }
  for (const problem of report.problems) {
    io.stderr.write(`orchestrator: ${problem}\n`);
  }
  const passed = report.problems.length === 0;
  if (passed && report.warnings.length === 0 && key !== undefined) {
    // Only a shortcut: no state folder yet (the run about to start makes it) or one that cannot be
    // written (the run says so in one line when it writes its own state) means remembering later.
    await stat(join(repoRoot, STATE_DIR))
      .then(() => writeFileAtomic(remembered, `${key}\n`))
      .catch(() => undefined);
  }
  return passed;
}

/** What a pass depends on, hashed; undefined when it cannot be told without git (not an ordinary checkout). */
async function passKey(
  repoRoot: string,
  stages: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const dotGit = join(repoRoot, ".git");
  try {
    const [map, head, index] = await Promise.all([
      readFile(join(repoRoot, CONTEXT_MAP_FILE), "utf8"),
      readFile(join(dotGit, "HEAD"), "utf8"),
      stat(join(dotGit, "index")),
    ]);
    // HEAD names a branch; the branch's tip moves with every commit, and a commit rewrites the index.
    return createHash("sha256")
      .update(
        [map, stages.join(","), head, String(index.mtimeMs), String(index.size), env["PATH"] ?? ""].join(
          "\0",
        ),
      )
      .digest("hex");
  } catch {
    return undefined;
  }
}

/** Every one of `stages` was green after its last run. */
async function allGreen(repoRoot: string, stages: readonly string[]): Promise<boolean> {
  const statuses = await new StateStore(repoRoot, { readOnly: true }).stageStatuses();
  return stages.every((name) => statuses[name]?.status === "green");
}

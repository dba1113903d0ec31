import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join, posix } from "node:path";
import { git } from "../adapters/git/index.ts";
import { pathExists } from "../adapters/state-store/atomic-file.ts";
import type { ContextMap } from "../config/schema.ts";
import { matchesAnyGlob } from "../core/glob/index.ts";
import {
  BOOTSTRAP_SHIM_FILE,
  CONTEXT_MAP_FILE,
  CONTEXT_MAP_SCHEMA_FILE,
  EXECUTOR_INSTRUCTIONS_FILE,
  MASTER_MEMO_FILE,
} from "../core/repo-layout/index.ts";
import { commandWords } from "./command-words.ts";
import {
  terraformValueFiles,
  unsetTerraformVariables,
  unsetVariablesMessage,
} from "./terraform-variables.ts";

/**
 * What stops a first run before it starts, each said once in one line a user can act on: files
 * the stages need that are not committed (the AI worktree is a checkout of commits, so it would
 * lack them and the stage would fail with ENOENT), files init wrote that .gitignore hides,
 * tools a stage runs that are not on PATH, and Terraform/OpenTofu variables nothing gives a value.
 */
export interface PreflightReport {
  problems: string[];
  warnings: string[];
}

/** The files `init` writes that must reach git (a .gitignore of *.md or **\/*.sh would drop them). */
export const INIT_TRACKED_FILES = [
  CONTEXT_MAP_FILE,
  CONTEXT_MAP_SCHEMA_FILE,
  MASTER_MEMO_FILE,
  EXECUTOR_INSTRUCTIONS_FILE,
  BOOTSTRAP_SHIM_FILE,
];

export async function preflight(
  repoRoot: string,
  contextMap: ContextMap,
  stages: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<PreflightReport> {
  const report: PreflightReport = { problems: [], warnings: [] };
  // Independent look-ups, run side by side: the preflight runs before every run.
  const [ignored, committed, untracked, modified] = await Promise.all([
    ignoredInitFiles(repoRoot),
    committedFiles(repoRoot),
    gitLines(repoRoot, ["ls-files", "--others", "--exclude-standard"]),
    gitLines(repoRoot, ["ls-files", "--modified"]),
  ]);
  report.problems.push(...ignored.map((hit) => ignoredMessage(hit)));
  if (committed === undefined) {
    report.problems.push(`nothing is committed yet: run git add ai/ && git commit -m "orchestrator"`);
    return report;
  }
  const ignoredPaths = new Set(ignored.map((hit) => hit.path));
  const needed = new Set<string>();
  for (const path of INIT_TRACKED_FILES) {
    if (!committed.has(path) && !ignoredPaths.has(path) && (await pathExists(join(repoRoot, path)))) {
      needed.add(path);
    }
  }
  for (const name of stages) {
    const spec = contextMap.stages[name];
    if (!spec) {
      continue;
    }
    for (const path of untracked) {
      if (matchesAnyGlob(path, spec.files)) {
        needed.add(path);
      }
    }
    const folder = spec.cwd ?? ".";
    for (const command of [spec.command, ...spec.success_criteria.map((check) => check.command)]) {
      for (const word of commandWords(command ?? "")) {
        if (word.kind === "path") {
          const path = posix.normalize(posix.join(folder, word.text));
          if (!committed.has(path) && untracked.includes(path)) {
            needed.add(path);
          }
        } else if (!(await onPath(word.text, { ...env, ...spec.env }))) {
          report.problems.push(
            `stage ${name} runs ${word.text}, which is not on PATH: install it, or change the stage's command in ${CONTEXT_MAP_FILE}`,
          );
        }
      }
      const unset = await unsetTerraformVariables(repoRoot, command ?? "", folder, { ...env, ...spec.env });
      if (unset) {
        report.problems.push(unsetVariablesMessage(name, unset));
      }
      // A variable file git ignores reaches the AI worktree only through a local_state link.
      const localState = spec.local_state ?? contextMap.local_state;
      for (const path of await terraformValueFiles(repoRoot, command ?? "", folder)) {
        if (!committed.has(path) && !untracked.includes(path) && !matchesAnyGlob(path, localState)) {
          report.problems.push(
            `stage ${name} reads ${path}, which git ignores and no local_state glob names, so the AI worktree would not have it: add "${path}" to local_state in ${CONTEXT_MAP_FILE}`,
          );
        }
      }
    }
  }
  if (needed.size > 0) {
    const paths = [...needed].sort();
    report.problems.unshift(
      `not committed, so the AI worktree would not have them: ${paths.join(", ")} — run: git add ${paths.join(" ")} && git commit -m "orchestrator"`,
    );
  }
  if (modified.includes(CONTEXT_MAP_FILE)) {
    report.warnings.push(
      `${CONTEXT_MAP_FILE} has uncommitted changes: stages run from the AI branch, which has the committed files; commit it`,
    );
  }
  report.problems = [...new Set(report.problems)];
  return report;
}

interface IgnoreHit {
  path: string;
  source: string;
  line: string;
  pattern: string;
}

/**
 * The files init wrote that .gitignore hides (and git does not track already), from
 * `git check-ignore -v --no-index` (git-scm.com/docs/git-check-ignore: "source:linenum:pattern TAB path").
 */
export async function ignoredInitFiles(repoRoot: string): Promise<IgnoreHit[]> {
  const present: string[] = [];
  for (const path of INIT_TRACKED_FILES) {
    if (await pathExists(join(repoRoot, path))) {
      present.push(path);
    }
  }
  if (present.length === 0) {
    return [];
  }
  const [trackedLines, run] = await Promise.all([
    gitLines(repoRoot, ["ls-files", "--", ...present]),
    git(["check-ignore", "-v", "--no-index", "--", ...present], { cwd: repoRoot, allowFailure: true }),
  ]);
  const tracked = new Set(trackedLines);
  const hits: IgnoreHit[] = [];
  for (const line of run.stdout.split("\n")) {
    const match = /^(.*?):(\d+):(.*)\t(.*)$/.exec(line);
    if (match && !tracked.has(match[4] as string) && !(match[3] as string).startsWith("!")) {
      hits.push({
        source: match[1] as string,
        line: match[2] as string,
        pattern: match[3] as string,
        path: match[4] as string,
      });
    }
  }
  return hits;
}

export function ignoredMessage(hit: IgnoreHit): string {
  return `${hit.path} is ignored by ${hit.source}:${hit.line} (${hit.pattern}), so git would silently drop it: add the line "!${hit.path}" to .gitignore`;
}

async function committedFiles(repoRoot: string): Promise<Set<string> | undefined> {
  // ls-tree run in a sub-folder lists that folder's entries relative to it (git-scm.com/docs/git-ls-tree);
  // it fails when there is no HEAD yet, which is "nothing committed".
  const tree = await git(["-c", "core.quotePath=false", "ls-tree", "-r", "--name-only", "HEAD"], {
    cwd: repoRoot,
    allowFailure: true,
  });
  if (tree.exitCode !== 0) {
    return undefined;
  }
  return new Set(tree.stdout.split("\n").filter((line) => line !== ""));
}

async function gitLines(repoRoot: string, args: string[]): Promise<string[]> {
  const run = await git(["-c", "core.quotePath=false", ...args], { cwd: repoRoot });
  return run.stdout.split("\n").filter((line) => line !== "");
}

async function onPath(tool: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const folder of (env["PATH"] ?? "").split(delimiter)) {
    if (folder === "") {
      continue;
    }
    try {
      await access(join(folder, tool), constants.X_OK);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EACCES" && code !== "ENOTDIR") {
        throw error;
      }
    }
  }
  return false;
}

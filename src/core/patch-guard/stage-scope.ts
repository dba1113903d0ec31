/**
 * What a stage owns and what feeds it: its own `files:` and, through `needs`, the files of every
 * stage it depends on. A fix for a stage may change only those (a fix for `ingress` has no business
 * in a file only `vms` reads), and a change to a needed stage's files must reach that stage: it
 * runs again before the stage that asked for the fix.
 */
import { firstMatchingGlob, matchesAnyGlob } from "../glob/index.ts";

/** The part of a context map these rules read: each stage's `needs` and `files`. */
export type StageGraph = Readonly<
  Record<string, { readonly needs: readonly string[]; readonly files: readonly string[] }>
>;

/**
 * Every stage `stage` needs, directly or through another, in the context map's order (which
 * is the order `all` runs them). A cycle or an unknown name adds nothing and cannot loop.
 */
export function neededStages(graph: StageGraph, stage: string): string[] {
  const found = new Set<string>();
  const visit = (name: string) => {
    for (const needed of graph[name]?.needs ?? []) {
      if (needed !== stage && !found.has(needed) && needed in graph) {
        found.add(needed);
        visit(needed);
      }
    }
  };
  visit(stage);
  return Object.keys(graph).filter((name) => found.has(name));
}

/** The paths of `changed` that `files` names. */
export function stageFilesIn(files: readonly string[], changed: readonly string[]): string[] {
  return changed.filter((path) => matchesAnyGlob(path, files));
}

/** Where a fix for one stage may write, and why: the stage's own globs, then each needed stage's. */
export type StageScope = {
  stage: string;
  /** glob → the stage whose `files:` names it (the first, when several do). */
  globs: { glob: string; stage: string }[];
};

export function stageScopeOf(graph: StageGraph, stage: string): StageScope {
  const globs: { glob: string; stage: string }[] = [];
  for (const owner of [stage, ...neededStages(graph, stage)]) {
    for (const glob of graph[owner]?.files ?? []) {
      if (!globs.some((known) => known.glob === glob)) {
        globs.push({ glob, stage: owner });
      }
    }
  }
  return { stage, globs };
}

/**
 * The reason each path lies outside the scope. A stage that names no files at all (nor do the
 * stages it needs) has declared no scope, and is not held to one: the refusal would block every fix.
 */
export function scopeProblems(scope: StageScope, paths: readonly string[]): string[] {
  if (scope.globs.length === 0) {
    return [];
  }
  const globs = scope.globs.map((entry) => entry.glob);
  const owners = [...new Set(scope.globs.map((entry) => entry.stage))];
  return paths
    .filter((path) => firstMatchingGlob(path, globs) === undefined)
    .map(
      (path) =>
        `${path} is outside the ${scope.stage} stage: a fix for ${scope.stage} may change only the files: of ${owners.join(", ")} in ai/context_map.yaml (${globs.join(", ")}); a change elsewhere belongs to another stage or a human`,
    );
}

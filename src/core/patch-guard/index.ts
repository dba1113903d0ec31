export {
  checkPatch,
  DEFAULT_MAX_CHANGED_LINES,
  DEFAULT_MAX_FILES,
  type GuardFacts,
  type GuardRules,
  guardRulesFrom,
  type PatchVerdict,
  pathsNeedingFacts,
  pathsOf,
  protectionOf,
  rulesForStage,
  SEED_PROTECTED_PATHS,
  type SwitchOffHandling,
  switchOffHandling,
  TOOL_RUNTIME_PATHS,
} from "./check.ts";
export { destructiveProblems, fluxPathsNeedingFacts, pathsNeedingContent } from "./destructive.ts";
export { parseGitHeaderPaths, unquoteGitPath } from "./git-paths.ts";
export { applyHunks, changedLineCount } from "./hunks.ts";
export {
  type FileChange,
  type FileChangeKind,
  type Hunk,
  type HunkLine,
  type ParsedPatch,
  type PatchParseResult,
  parseUnifiedDiff,
} from "./parse.ts";
export { asciiSkeleton, pathPrefixes, pathShapeProblem } from "./paths.ts";
export { patchSignature, type RevertedPatch, repeatProblems } from "./repeat.ts";
export {
  neededStages,
  type StageGraph,
  type StageScope,
  scopeProblems,
  stageFilesIn,
  stageScopeOf,
} from "./stage-scope.ts";
export { SWITCH_OFF_RULES, switchOffProblems, switchOffRules } from "./switch-off.ts";

export {
  charsFor,
  DEFAULT_TOKEN_BUDGET,
  estimateTokens,
  fence,
  keepHeadAndTail,
  keepTail,
} from "./budget.ts";
export { buildCaseFile, rankFiles } from "./build.ts";
export { extractMemoSections } from "./memo.ts";
export { LOG_MARK } from "./render.ts";
export type {
  CaseAttempt,
  CaseCriterion,
  CaseDiagnostic,
  CaseFile,
  CaseFileContent,
  CaseFileInput,
  CaseFingerprint,
  CasePatch,
  CaseSafetyRules,
} from "./types.ts";

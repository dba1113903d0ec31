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
export { distinctWords, type ErrorPointer, errorPointers } from "./pointers.ts";
export { LOG_MARK } from "./render.ts";
export type {
  CaseAttempt,
  CaseCriterion,
  CaseDiagnostic,
  CaseFactSection,
  CaseFile,
  CaseFileContent,
  CaseFileInput,
  CaseFingerprint,
  CaseLiveFacts,
  CasePatch,
  CaseSafetyRules,
} from "./types.ts";

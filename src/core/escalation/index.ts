export {
  DiagnosticRequest,
  DiagnosticsAnswer,
  ESCALATION_ANSWER_JSON_SCHEMA,
  ESCALATION_ANSWER_SCHEMA_NAME,
  EscalationAnswer,
  GiveUpAnswer,
  type ParsedAnswer,
  PatchAnswer,
  parseEscalationAnswer,
} from "./answer.ts";
export { ESCALATION_ANSWER_FORMAT } from "./format.ts";
export {
  EDIT_FORMAT_GUIDE,
  ESCALATION_SYSTEM_PROMPT,
  filesToQuote,
  PREFERRED_EDIT_FORMAT,
  type RefusedEdit,
  refusedEditSection,
} from "./prompt.ts";

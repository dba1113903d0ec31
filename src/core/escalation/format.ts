import {
  ESCALATION_ANSWER_JSON_SCHEMA,
  ESCALATION_ANSWER_SCHEMA_NAME,
  type EscalationAnswer,
  parseEscalationAnswer,
} from "./answer.ts";

/**
 * The escalation answer as the model client wants it: the strict JSON Schema for structured
 * output and the parser. It lives with escalation; the client only carries it.
 */
export const ESCALATION_ANSWER_FORMAT = {
  schema: {
    name: ESCALATION_ANSWER_SCHEMA_NAME,
    schema: ESCALATION_ANSWER_JSON_SCHEMA as unknown as Record<string, unknown>,
  },
  parse(text: string): { ok: true; answer: EscalationAnswer; label: string } | { ok: false; reason: string } {
    const parsed = parseEscalationAnswer(text);
    return parsed.ok ? { ok: true, answer: parsed.answer, label: parsed.answer.action } : parsed;
  },
};

import { z } from "zod";

/**
 * The model's answer to a case file. Three shapes, told apart by `action`.
 * Unknown extra fields are dropped; missing or empty required ones are a schema break.
 */
// Checked, not trimmed: a diff needs its trailing newline.
const NonEmpty = z.string().refine((text) => text.trim() !== "", "must be a non-empty string");

export const DiagnosticRequest = z.object({
  command: NonEmpty,
  why: NonEmpty,
});
export type DiagnosticRequest = z.output<typeof DiagnosticRequest>;

/**
 * `patch` holds the edit in any format the edit applier reads (src/core/edits): SEARCH/REPLACE
 * blocks, a unified diff, a Codex patch or a small whole file. The field keeps its name so
 * answers written for the unified-diff-only schema stay valid.
 */
export const PatchAnswer = z.object({
  action: z.literal("patch"),
  summary: NonEmpty,
  hypothesis: NonEmpty,
  expected_effect: NonEmpty,
  patch: NonEmpty,
});
export type PatchAnswer = z.output<typeof PatchAnswer>;

export const DiagnosticsAnswer = z.object({
  action: z.literal("diagnostics"),
  summary: NonEmpty,
  hypothesis: NonEmpty,
  commands: z
    .array(DiagnosticRequest)
    .min(1, "name at least one command")
    .max(10, "ask for at most 10 commands"),
});
export type DiagnosticsAnswer = z.output<typeof DiagnosticsAnswer>;

export const GiveUpAnswer = z.object({
  action: z.literal("give_up"),
  reason: NonEmpty,
});
export type GiveUpAnswer = z.output<typeof GiveUpAnswer>;

export const EscalationAnswer = z.discriminatedUnion("action", [
  PatchAnswer,
  DiagnosticsAnswer,
  GiveUpAnswer,
]);
export type EscalationAnswer = z.output<typeof EscalationAnswer>;

export const ESCALATION_ANSWER_SCHEMA_NAME = "escalation_answer";

const nullableString = { type: ["string", "null"] } as const;

/**
 * JSON Schema for structured output. OpenAI's strict mode wants one object at the root, every
 * property required and `additionalProperties: false`, so the three shapes are flattened into one
 * object whose fields not used by an action are `null`; `parseEscalationAnswer` normalises it back.
 */
export const ESCALATION_ANSWER_JSON_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["action", "summary", "hypothesis", "expected_effect", "patch", "commands", "reason"],
  properties: {
    action: {
      type: "string",
      enum: ["patch", "diagnostics", "give_up"],
      description:
        "patch: a fix as an edit to the repo's files; diagnostics: read-only commands to run first; give_up: stop",
    },
    summary: { ...nullableString, description: "patch/diagnostics: one line on what you do" },
    hypothesis: { ...nullableString, description: "patch/diagnostics: what you think is wrong and why" },
    expected_effect: { ...nullableString, description: "patch: what changes in the next run" },
    patch: {
      ...nullableString,
      description:
        "patch: the edit as SEARCH/REPLACE blocks, each after its file's path alone on a line; a unified diff is also accepted",
    },
    commands: {
      type: ["array", "null"],
      description: "diagnostics: read-only commands, each with why",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["command", "why"],
        properties: { command: { type: "string" }, why: { type: "string" } },
      },
    },
    reason: { ...nullableString, description: "give_up: why no safe fix can be proposed" },
  },
} as const;

export type ParsedAnswer = { ok: true; answer: EscalationAnswer } | { ok: false; reason: string };

/**
 * Parses a model's answer text. Accepts the JSON object alone, or wrapped in one Markdown code
 * fence (local models add them even when asked not to). Prose around the JSON is refused: a
 * reply we have to guess at is not a reply we act on.
 */
export function parseEscalationAnswer(text: string): ParsedAnswer {
  const body = unfence(text.trim());
  if (body === "") {
    return { ok: false, reason: "the answer was empty; expected one JSON object" };
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `the answer is not valid JSON (${detail}); expected one JSON object and nothing else`,
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, reason: "the answer is JSON but not an object; expected one JSON object" };
  }
  // The flat strict-mode shape carries nulls for the fields another action uses.
  const withoutNulls = Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null));
  const parsed = EscalationAnswer.safeParse(withoutNulls);
  if (!parsed.success) {
    return { ok: false, reason: `the answer does not match the schema: ${describeIssues(parsed.error)}` };
  }
  return { ok: true, answer: parsed.data };
}

function unfence(text: string): string {
  const fenced = /^(`{3,}|~{3,})[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*\1[ \t]*$/.exec(text);
  return fenced ? (fenced[2] ?? "").trim() : text;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "action";
      return `${where}: ${issue.code === "invalid_union" ? "must be one of patch, diagnostics, give_up" : issue.message}`;
    })
    .join("; ");
}

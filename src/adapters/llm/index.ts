export {
  type AnswerFormat,
  createLlmClient,
  DEFAULT_DEADLINE_MS,
  DEFAULT_OPENAI_BASE_URL,
  type LlmAttempt,
  type LlmClient,
  type LlmClientOptions,
  type LlmRequest,
  type LlmResult,
  MAX_RETRY_AFTER_MS,
  type TextRedactor,
} from "./client.ts";
export { type LlmMessage, type LlmUsage, type ResponseSchema, retryAfterFrom } from "./transport.ts";

/** The executor kinds, as a plain list so settings can be resolved without loading zod. */
export const EXECUTOR_KINDS = ["auto", "codex", "openai-compatible", "command", "playbook", "none"] as const;
export type ExecutorKindName = (typeof EXECUTOR_KINDS)[number];

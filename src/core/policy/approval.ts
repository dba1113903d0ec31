/**
 * Propose, then approve: per fix source, whether a fix the loop found is run at once (`auto`,
 * the default and the seed's behaviour) or committed and left for a human to approve (`propose`).
 * Pure: the rules come from the context map (globally and per stage) and the environment.
 */

export const APPROVAL_MODES = ["auto", "propose"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** Where a fix came from, as the approval setting names it. */
export const FIX_SOURCE_KINDS = ["memory", "playbook", "executor", "api"] as const;
export type FixSourceKind = (typeof FIX_SOURCE_KINDS)[number];

/** `settings.approval` or a stage's `approval`: a default and any source's own mode. */
export type ApprovalRules = { default?: ApprovalMode | undefined } & {
  [kind in FixSourceKind]?: ApprovalMode | undefined;
};

/**
 * A patch's `Source:` (what landPatch recorded) as an approval kind: `memory` for a replayed
 * fix, `api` for the model, `playbook` for the homelab pack's playbooks, and every other
 * executor kind (codex, openai-compatible, command) as `executor`.
 */
export function fixSourceKind(source: string): FixSourceKind {
  if (source === "memory" || source === "api" || source === "playbook") {
    return source;
  }
  return "executor";
}

/** The stage's own rule for the source, then its default, then the global rule, then its default. */
export function approvalFor(
  source: string,
  global: ApprovalRules,
  stage: ApprovalRules | undefined,
): ApprovalMode {
  const kind = fixSourceKind(source);
  return stage?.[kind] ?? stage?.default ?? global[kind] ?? global.default ?? "auto";
}

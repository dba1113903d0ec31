import type { SideBranch } from "../adapters/side-branch/index.ts";
import type { StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings } from "../config/index.ts";
import type { Fixers } from "../reconcile/index.ts";

export interface FixerDeps {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  sideBranch: SideBranch;
  state: StateStore;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/**
 * The ways the loop can fix a stage, wired from settings. Each is imported on first use: most
 * runs never escalate, and the model client, case files and redaction would otherwise add to
 * every run's start.
 */
export function wireFixers(deps: FixerDeps): Fixers {
  const escalation = once(async () => {
    const [{ createEscalationFixers }, { guardRulesFrom }, { knownSecretsFromEnv, Redactor }] =
      await Promise.all([
        import("../escalation/stage-escalation.ts"),
        import("../core/patch-guard/index.ts"),
        import("../core/redaction/index.ts"),
      ]);
    return createEscalationFixers({
      ...deps,
      rules: guardRulesFrom(deps.contextMap, deps.settings),
      redactor: new Redactor({ knownSecrets: knownSecretsFromEnv(deps.env) }),
    });
  });
  return {
    executorName: "none",
    apiConfigured: deps.settings.openai.apiKey !== undefined,
    escalate: async (request, remainingCalls) => (await escalation()).escalate(request, remainingCalls),
    writeCaseFileOnly: async (request) => (await escalation()).writeCaseFileOnly(request),
  };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

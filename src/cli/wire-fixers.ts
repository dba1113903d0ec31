import type { SideBranch } from "../adapters/side-branch/index.ts";
import type { StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings } from "../config/index.ts";
import type { Fixers, FixResult } from "../reconcile/index.ts";

export interface FixerDeps {
  repoRoot: string;
  contextMap: ContextMap;
  settings: Settings;
  sideBranch: SideBranch;
  state: StateStore;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

type ExecutorLayer = Awaited<ReturnType<typeof import("../adapters/executors/fixers.ts").createFixers>>;

/**
 * The ways the loop can fix a stage, wired from settings: the executor and fix memory, and
 * escalation to the model. Each layer is imported on first use — a green run needs none of
 * them — except that an executor named explicitly is checked at once, so a missing `codex`
 * is said before the first run rather than after it.
 */
export async function wireFixers(deps: FixerDeps): Promise<Fixers> {
  let executorLayer: ExecutorLayer | undefined;
  const loadExecutorLayer = once(async () => {
    const { createFixers } = await import("../adapters/executors/fixers.ts");
    executorLayer = await createFixers(deps);
    return executorLayer;
  });
  const kind = deps.settings.executor;
  if (kind !== "auto" && kind !== "none") {
    await loadExecutorLayer();
  }
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
      executorNotes: (stage) => executorLayer?.executorNotes(stage),
    });
  });
  const fixers: Fixers = {
    executorName: kind === "auto" ? "auto" : kind,
    apiConfigured: deps.settings.openai.apiKey !== undefined,
    escalate: async (request, remainingCalls) => (await escalation()).escalate(request, remainingCalls),
    writeCaseFileOnly: async (request) => (await escalation()).writeCaseFileOnly(request),
    untriedFix: async (stage, fingerprint, tried) =>
      (await loadExecutorLayer()).untriedFix(stage, fingerprint, tried),
    replayFix: async (fixId, request) => (await loadExecutorLayer()).replayFix(fixId, request),
    rememberFix: async (stage, fingerprint, commit, replayedFixId) =>
      (await loadExecutorLayer()).rememberFix(stage, fingerprint, commit, replayedFixId),
    demoteFix: async (fixId) => (await loadExecutorLayer()).demoteFix(fixId),
    rememberHumanFix: async (stage, fingerprint, sinceCommit) => {
      const spec = deps.contextMap.stages[stage];
      const [{ rememberHumanFix }, layer] = await Promise.all([
        import("../adapters/fix-memory/index.ts"),
        loadExecutorLayer(),
      ]);
      const fix = await rememberHumanFix(layer.memory, {
        stage,
        fingerprint,
        sinceCommit,
        stageFiles: spec?.files ?? [],
        secretGlobs: deps.contextMap.secrets,
      });
      return fix?.id;
    },
  };
  if (kind !== "none") {
    fixers.runExecutor = async (request): Promise<FixResult> => {
      const layer = await loadExecutorLayer();
      return layer.runExecutor
        ? layer.runExecutor(request)
        : { kind: "failed", reason: "no executor is available (no codex, no local model, no playbook)" };
    };
  }
  return fixers;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

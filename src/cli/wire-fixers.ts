import type { SideBranch } from "../adapters/side-branch/index.ts";
import type { StateStore } from "../adapters/state-store/index.ts";
import type { ContextMap, Settings } from "../config/index.ts";
import type { EscalatorPort, ExecutorPort, FixerPorts, FixMemoryPort } from "../core/fixers/index.ts";

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
 * The composition root of the loop's fixers: fix memory, the executor (with the homelab pack's
 * playbooks registered as one kind of executor) and escalation, each behind its port. Each is
 * imported on first use — a green run needs none of them — except that an executor named
 * explicitly is checked at once, so a missing `codex` is said before the first run.
 */
export async function wireFixers(deps: FixerDeps): Promise<FixerPorts> {
  const shared = once(async () => {
    const [{ guardRulesFrom }, { redactorForRepo }] = await Promise.all([
      import("../core/patch-guard/index.ts"),
      import("../adapters/secret-values/index.ts"),
    ]);
    const rules = guardRulesFrom(deps.contextMap, deps.settings);
    // Secrets by value too: every value in the repo's secret files and credential variables.
    const { redactor } = await redactorForRepo({
      repoRoot: deps.repoRoot,
      secretGlobs: deps.contextMap.secrets,
      env: deps.env,
    });
    return {
      rules,
      redactor,
      land: {
        repoRoot: deps.repoRoot,
        sideBranch: deps.sideBranch,
        rules,
        journal: (event: Parameters<StateStore["journal"]>[0]) => deps.state.journal(event),
      },
    };
  });
  const memory = once(async () => {
    const [{ FixMemory }, { fixMemoryPort }, { land }] = await Promise.all([
      import("../adapters/fix-memory/index.ts"),
      import("../adapters/fix-memory/port.ts"),
      shared(),
    ]);
    const memory = new FixMemory(deps.repoRoot, {
      onSetAside: async (warning, keptAs) => {
        deps.state.warnings.push(warning);
        await deps.state.journal({ type: "state_file_set_aside", file: "ai/state/fixes.json", keptAs });
      },
    });
    return fixMemoryPort(memory, { land, contextMap: deps.contextMap });
  });
  const executor = once(async (): Promise<ExecutorPort | undefined> => {
    const [
      { chooseExecutor, executorPort },
      { createPlaybookExecutor },
      { liveFactSource },
      { redactor, land },
    ] = await Promise.all([
      import("../adapters/executors/index.ts"),
      import("../homelab/playbooks/executor.ts"),
      import("../homelab/playbooks/index.ts"),
      shared(),
    ]);
    const chosen = await chooseExecutor(deps.settings.executor, {
      settings: deps.settings,
      env: deps.env,
      redactor,
      packExecutors: {
        playbook: () =>
          createPlaybookExecutor({ facts: liveFactSource({ baseDir: deps.repoRoot, env: deps.env }) }),
      },
    });
    return chosen && executorPort(chosen, { ...deps, land, signal: deps.signal });
  });
  const escalator = once(async () => {
    const [{ createEscalator }, { homelabCaseFacts }, { rules, redactor, land }] = await Promise.all([
      import("../escalation/stage-escalation.ts"),
      import("../homelab/case-facts/index.ts"),
      shared(),
    ]);
    // The homelab pack's live facts for the case file; the engine knows only the port.
    const caseFacts = homelabCaseFacts({ repoRoot: deps.repoRoot, env: deps.env });
    return createEscalator({ ...deps, rules, redactor, land, caseFacts });
  });

  const kind = deps.settings.executor;
  if (kind !== "auto" && kind !== "none") {
    await executor();
  }
  const lazyMemory: FixMemoryPort = {
    untriedFix: async (...args) => (await memory()).untriedFix(...args),
    replay: async (...args) => (await memory()).replay(...args),
    verified: async (...args) => (await memory()).verified(...args),
    demote: async (...args) => (await memory()).demote(...args),
    rememberHumanFix: async (...args) => (await memory()).rememberHumanFix(...args),
  };
  const lazyEscalator: EscalatorPort = {
    configured: deps.settings.openai.apiKey !== undefined,
    escalate: async (...args) => (await escalator()).escalate(...args),
    writeCaseFile: async (...args) => (await escalator()).writeCaseFile(...args),
  };
  const lazyExecutor: ExecutorPort | undefined =
    kind === "none"
      ? undefined
      : {
          name: kind,
          async run(request) {
            const chosen = await executor();
            return chosen
              ? chosen.run(request)
              : {
                  outcome: {
                    kind: "failed",
                    reason: "no executor is available (no codex, no local model, no playbook)",
                  },
                  notes: { summary: "no executor is available", filesOpened: [] },
                  apiRequests: 0,
                };
          },
        };
  return { memory: lazyMemory, executor: lazyExecutor, escalator: lazyEscalator };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

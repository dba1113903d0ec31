import type { ContextMap } from "../../config/index.ts";
import type { FixMemoryPort } from "../../core/fixers/index.ts";
import type { LandPatchDeps } from "../side-branch/index.ts";
import { rememberHumanFix } from "./human-fix.ts";
import type { FixMemory } from "./index.ts";

/** The loop's fix-memory port over `ai/state/fixes.json`; replays land through the one patch path. */
export function fixMemoryPort(
  memory: FixMemory,
  deps: { land: LandPatchDeps; contextMap: Pick<ContextMap, "stages" | "secrets"> },
): FixMemoryPort {
  return {
    untriedFix: (stage, fingerprint, tried) => memory.untriedFix(stage, fingerprint, tried),
    replay: (fixId, request) => memory.replay(fixId, deps.land, request.fingerprint),
    async verified(stage, fingerprint, commit, replayedFixId) {
      if (replayedFixId === undefined || (await memory.confirm(replayedFixId)) === undefined) {
        await memory.remember(stage, fingerprint, commit);
      }
    },
    async demote(fixId) {
      await memory.demote(fixId);
    },
    async rememberHumanFix(stage, fingerprint, sinceCommit) {
      const fix = await rememberHumanFix(memory, {
        stage,
        fingerprint,
        sinceCommit,
        stageFiles: deps.contextMap.stages[stage]?.files ?? [],
        secretGlobs: deps.contextMap.secrets,
      });
      return fix?.id;
    },
  };
}

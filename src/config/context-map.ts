import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists, writeFileAtomic } from "../adapters/state-store/atomic-file.ts";
import { UserError } from "../errors/index.ts";
import type { ContextMap, StageSpec } from "./schema.ts";

/*
 * Loading the context map. Validation needs yaml and zod, which together cost about as much as
 * Node's own start; so the validated map is cached in ai/state, keyed by a hash of the file's
 * text, and the parser is imported only when the file changed. `status` stays fast that way.
 */

export const CONTEXT_MAP_PATH = "ai/context_map.yaml";
const CACHE_PATH = "ai/state/context_map.cache.json";
/** Bumped when the schema's output changes, so a cache from an older tool is not trusted. */
const CACHE_FORMAT = 1;

export async function loadContextMap(repoRoot: string): Promise<ContextMap> {
  let text: string;
  try {
    text = await readFile(join(repoRoot, CONTEXT_MAP_PATH), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`${CONTEXT_MAP_PATH} not found in ${repoRoot}: run "orchestrator init" first`);
    }
    throw error;
  }
  const sourceHash = createHash("sha256").update(text).digest("hex");
  const cached = await readCache(repoRoot);
  if (cached?.format === CACHE_FORMAT && cached.sourceHash === sourceHash) {
    return cached.contextMap;
  }
  const { parseContextMap } = await import("./parse-context-map.ts");
  const contextMap = parseContextMap(text);
  if (existsSync(join(repoRoot, "ai", "state"))) {
    const cache = { format: CACHE_FORMAT, sourceHash, contextMap };
    await writeFileAtomic(join(repoRoot, CACHE_PATH), `${JSON.stringify(cache)}\n`).catch(() => undefined);
  }
  return contextMap;
}

async function readCache(
  repoRoot: string,
): Promise<{ format: number; sourceHash: string; contextMap: ContextMap } | undefined> {
  try {
    const text = await readIfExists(join(repoRoot, CACHE_PATH));
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The stage or a user error that lists the known ones. */
export function stageSpecOf(contextMap: ContextMap, stage: string): StageSpec {
  const spec = contextMap.stages[stage];
  if (!spec) {
    throw new UserError(
      `unknown stage "${stage}"; ${CONTEXT_MAP_PATH} names: ${Object.keys(contextMap.stages).join(", ")}`,
    );
  }
  return spec;
}

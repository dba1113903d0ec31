import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readIfExists, writeFileAtomic } from "../adapters/state-store/atomic-file.ts";
import { CONTEXT_MAP_FILE, STATE_DIR, STATE_FILES } from "../core/repo-layout/index.ts";
import { UserError } from "../errors/index.ts";
import { PACKAGE_VERSION } from "../version.ts";
import type { ContextMap, StageSpec } from "./schema.ts";

/*
 * Loading the context map. Validation needs yaml and zod, which together cost about as much as
 * Node's own start; so the validated map is cached in ai/state, keyed by a hash of the file's
 * text, and the parser is imported only when the file changed. `status` stays fast that way.
 */

export const CONTEXT_MAP_PATH = CONTEXT_MAP_FILE;
const CACHE_PATH = STATE_FILES.contextMapCache;
/** Part of the cache key: a cache another version of the tool wrote is never trusted. */
const CACHE_FORMAT = `4/${PACKAGE_VERSION}`;

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
  if (existsSync(join(repoRoot, STATE_DIR))) {
    const cache = { format: CACHE_FORMAT, sourceHash, contextMap };
    // The cache only saves time: a state folder that cannot be written is the next step's to report.
    await writeFileAtomic(join(repoRoot, CACHE_PATH), `${JSON.stringify(cache)}\n`).catch(() => undefined);
  }
  return contextMap;
}

async function readCache(
  repoRoot: string,
): Promise<{ format: string; sourceHash: string; contextMap: ContextMap } | undefined> {
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

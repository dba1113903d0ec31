import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LineCounter, parseDocument } from "yaml";
import { ConfigError, UserError } from "../errors/index.ts";
import { lineOf, parseYamlWithSchema } from "./parse-yaml.ts";
import { ContextMap } from "./schema.ts";

export const CONTEXT_MAP_PATH = "ai/context_map.yaml";

/** Pure: text → validated context map, or a `ConfigError` naming file, line and field. */
export function parseContextMap(text: string, file = CONTEXT_MAP_PATH): ContextMap {
  const contextMap = parseYamlWithSchema(text, file, ContextMap);
  const problem = checkStageOrder(contextMap);
  if (problem) {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter });
    throw new ConfigError(
      file,
      lineOf(document, lineCounter, problem.path),
      problem.path.join("."),
      problem.reason,
    );
  }
  return contextMap;
}

/** Rule: a stage may only need stages that come before it, which also rules out cycles. */
function checkStageOrder(contextMap: ContextMap): { path: (string | number)[]; reason: string } | undefined {
  const seen = new Set<string>();
  for (const [name, stage] of Object.entries(contextMap.stages)) {
    for (const [index, needed] of stage.needs.entries()) {
      if (!(needed in contextMap.stages)) {
        return { path: ["stages", name, "needs", index], reason: `unknown stage "${needed}"` };
      }
      if (!seen.has(needed)) {
        return {
          path: ["stages", name, "needs", index],
          reason: `"${needed}" must come before "${name}" in stages`,
        };
      }
    }
    seen.add(name);
  }
  return undefined;
}

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
  return parseContextMap(text);
}

/** The stage or a user error that lists the known ones. */
export function stageSpecOf(contextMap: ContextMap, stage: string) {
  const spec = contextMap.stages[stage];
  if (!spec) {
    throw new UserError(
      `unknown stage "${stage}"; ${CONTEXT_MAP_PATH} names: ${Object.keys(contextMap.stages).join(", ")}`,
    );
  }
  return spec;
}

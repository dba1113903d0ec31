import { LineCounter, parseDocument } from "yaml";
import { ConfigError } from "../errors/index.ts";
import { CONTEXT_MAP_PATH } from "./context-map.ts";
import { lineOf, parseYamlWithSchema } from "./parse-yaml.ts";
import { ContextMap } from "./schema.ts";

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

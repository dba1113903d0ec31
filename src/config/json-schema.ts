import { z } from "zod";
import { ContextMap } from "./schema.ts";

/** The context map's JSON Schema, for editors (yaml-language-server) and other tools. */
export function contextMapJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ContextMap, { io: "input", unrepresentable: "any" }),
    $id: "https://github.com/homelab-orchestrator/homelab-orchestrator/schema/context_map.schema.json",
    title: "homelab-orchestrator ai/context_map.yaml",
  };
}

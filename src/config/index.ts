export { CONTEXT_MAP_PATH, loadContextMap, stageSpecOf } from "./context-map.ts";
export { EXECUTOR_KINDS } from "./executor-kinds.ts";
export { contextMapJsonSchema } from "./json-schema.ts";
export { parseContextMap } from "./parse-context-map.ts";
export { lineOf, parseYamlWithSchema } from "./parse-yaml.ts";
export {
  ContextMap,
  DiagnosticsCredentials,
  Duration,
  ExecutorKind,
  parseDuration,
  StageSpec,
  SuccessCheck,
} from "./schema.ts";
export {
  DEFAULT_OPENAI_MODEL,
  DEFAULT_SETTINGS,
  resolveSettings,
  type SettingFlags,
  type Settings,
} from "./settings.ts";

export { CONTEXT_MAP_PATH, loadContextMap, parseContextMap, stageSpecOf } from "./context-map.ts";
export { contextMapJsonSchema } from "./json-schema.ts";
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

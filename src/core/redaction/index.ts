export { looksRandom, shannonEntropy } from "./entropy.ts";
export { base64Core, KnownValueMatcher, secretForms } from "./known-values.ts";
export type { RedactionFinding } from "./redactor.ts";
export { MAX_LINE_LENGTH, Redactor } from "./redactor.ts";
export { knownSecretsFromEnv, TOOL_CREDENTIAL_VARIABLES, withoutToolCredentials } from "./secret-env.ts";
export { DEFAULT_SECRET_GLOBS, isSecretPath } from "./secret-paths.ts";
export { secretValuesFromFile } from "./secret-values.ts";

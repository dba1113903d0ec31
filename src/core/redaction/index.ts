export { looksRandom, shannonEntropy } from "./entropy.ts";
export type { RedactionFinding } from "./redactor.ts";
export { knownSecretsFromEnv, Redactor } from "./redactor.ts";
export { DEFAULT_SECRET_GLOBS, isSecretPath } from "./secret-paths.ts";

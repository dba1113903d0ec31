import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors/index.ts";

/**
 * Parses YAML text and validates it with a zod schema. The first problem becomes one
 * `ConfigError` naming the file, the line and the dotted field path, e.g.
 * `ai/context_map.yaml:14: stages.talos.timeout: expected a duration like 10m`.
 */
export function parseYamlWithSchema<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const line = syntaxError.linePos?.[0]?.line;
    throw new ConfigError(file, line, undefined, `invalid YAML: ${firstLine(syntaxError.message)}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses documents whose aliases expand beyond maxAliasCount ("billion laughs").
    throw new ConfigError(file, undefined, undefined, `invalid YAML: ${firstLine((error as Error).message)}`);
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  if (!issue) {
    throw new ConfigError(file, undefined, undefined, "does not validate");
  }
  const path = issue.path.map(String);
  return throwAt(file, document, lineCounter, path, issueMessage(issue));
}

function throwAt(
  file: string,
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: string[],
  message: string,
): never {
  throw new ConfigError(file, lineOf(document, lineCounter, path), path.join(".") || undefined, message);
}

/** The line of the deepest node along `path` that exists in the document. */
export function lineOf(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = document.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      return lineCounter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}

export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_key") {
    // A record key that failed its own schema: say that schema's reason, not zod's wrapper.
    const inner = issue.issues[0];
    return inner ? `stage name: ${inner.message}` : issue.message;
  }
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return issue.message;
}

/** The message without yaml's code frame and its own "at line N, column M:" (we say the line). */
function firstLine(text: string): string {
  return (text.split("\n")[0] ?? text).replace(/ at line \d+, column \d+:?$/, "");
}

import type { ParsedArgs } from "./parse-args.ts";
import { hasFlag } from "./parse-args.ts";

/** How one tool is judged: which flags take values (to find the command path) and what is read-only. */
export interface ToolPolicy {
  /** The read-only commands, for messages: "get, describe, logs, ...". */
  allows: string;
  valueFlags: ReadonlySet<string>;
  /** A reason to refuse, or undefined when the command is read-only. `argv` is the whole command as split. */
  check(args: ParsedArgs, argv: readonly string[]): string | undefined;
}

const OTHER_CLUSTER_REASON = "points the tool at other credentials or another cluster";

/** Flags that make a tool act with credentials or against a cluster other than the ones it was given. */
export function otherCredentialsFlag(args: ParsedArgs, flags: readonly string[]): string | undefined {
  const option = hasFlag(args, ...flags);
  if (!option) {
    return undefined;
  }
  if (option.flag === "--insecure-skip-tls-verify") {
    return "--insecure-skip-tls-verify is not allowed: it turns off the check that this is the right cluster";
  }
  return `${option.flag} is not allowed: it ${OTHER_CLUSTER_REASON}`;
}

/** Flags that make a command stream until killed; the timeout would cut it, but the output would be useless. */
export function followFlag(args: ParsedArgs, verb: string, flags: readonly string[]): string | undefined {
  const option = hasFlag(args, ...flags);
  return option
    ? `${args.tool} ${verb} ${option.flag} never ends on its own: drop ${option.flag} (diagnostics are one-shot)`
    : undefined;
}

/** The sub-command words and their verdicts; `undefined` in `allowed` means allowed with no further check. */
export function judgeVerb(
  args: ParsedArgs,
  verb: string | undefined,
  allowed: Readonly<Record<string, ((args: ParsedArgs) => string | undefined) | null>>,
  refused: Readonly<Record<string, string>>,
  allows: string,
): string | undefined {
  if (verb === undefined) {
    return `${args.tool} without a command is not a diagnostic: use one of ${allows}`;
  }
  if (Object.hasOwn(allowed, verb)) {
    return allowed[verb]?.(args);
  }
  if (Object.hasOwn(refused, verb)) {
    return refused[verb];
  }
  return `${args.tool} ${verb} is not on the read-only list (${allows})`;
}

export function notReadOnly(tool: string, verbs: readonly string[]): Record<string, string> {
  return Object.fromEntries(verbs.map((verb) => [verb, `${tool} ${verb} is not read-only`]));
}

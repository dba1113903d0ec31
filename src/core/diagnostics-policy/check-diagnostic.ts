import { parseArgs } from "./parse-args.ts";
import { checkReadOnly, READ_ONLY_POLICY } from "./read-only-policy.ts";
import { splitCommandLine } from "./split-command-line.ts";

export type DiagnosticVerdict =
  | { verdict: "allowed"; argv: string[] }
  | { verdict: "refused"; reason: string };

const MAX_COMMAND_LENGTH = 2000;

/**
 * Does `argv` fall under `prefix`? The tool must be the same; the prefix's positional words
 * (`get`, `members`) must start the command's positional words; and every option the prefix
 * names must appear in the command with the same value. Options the prefix does not name may
 * appear anywhere, so "talosctl get" allows `talosctl -n 10.0.0.11 get members` and
 * `talosctl get members -n 10.0.0.11` alike; what those options may do is the read-only
 * policy's business, not the prefix's.
 */
function matchesPrefix(argv: readonly string[], prefix: readonly string[]): boolean {
  if (argv[0] !== prefix[0]) {
    return false;
  }
  const valueFlags = READ_ONLY_POLICY[argv[0] ?? ""]?.valueFlags ?? new Set<string>();
  const command = parseArgs(argv, valueFlags);
  const wanted = parseArgs(prefix, valueFlags);
  return (
    wanted.positionals.every((word, i) => command.positionals[i] === word) &&
    wanted.options.every((option) =>
      command.options.some((given) => given.flag === option.flag && given.value === option.value),
    )
  );
}

/**
 * The one decision on a diagnostic a model asked for: allowed (with the argv to run without a
 * shell) only if the text splits cleanly, the built-in read-only policy allows it whatever the
 * configuration says, and it falls under one of the stage's `diagnostics` prefixes.
 */
export function checkDiagnostic(commandText: string, allowedPrefixes: string[]): DiagnosticVerdict {
  if (commandText.length > MAX_COMMAND_LENGTH) {
    return { verdict: "refused", reason: `the command is longer than ${MAX_COMMAND_LENGTH} characters` };
  }
  const split = splitCommandLine(commandText.trim());
  if (!split.ok) {
    return { verdict: "refused", reason: split.reason };
  }
  const notReadOnly = checkReadOnly(split.argv);
  if (notReadOnly) {
    return { verdict: "refused", reason: notReadOnly };
  }
  const prefixes = allowedPrefixes.map((text) => splitCommandLine(text.trim())).filter((p) => p.ok);
  if (prefixes.length === 0) {
    return { verdict: "refused", reason: "this stage allows no diagnostics: its diagnostics list is empty" };
  }
  if (!prefixes.some((prefix) => matchesPrefix(split.argv, prefix.argv))) {
    const verb = [
      split.argv[0],
      parseArgs(split.argv, READ_ONLY_POLICY[split.argv[0] ?? ""]?.valueFlags ?? new Set()).positionals[0],
    ]
      .filter(Boolean)
      .join(" ");
    return {
      verdict: "refused",
      reason: `"${verb}" does not match this stage's diagnostics: ${allowedPrefixes.join(", ")}`,
    };
  }
  return { verdict: "allowed", argv: split.argv };
}

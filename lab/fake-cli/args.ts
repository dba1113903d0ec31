/**
 * Cobra-style argument parsing for the fake CLIs: flags anywhere, `--flag value`, `--flag=value`,
 * `-n value`, repeated flags collected. An unknown flag is refused with cobra's own error line, so a
 * stage that passes a wrong flag fails here as it would against the real tool.
 */

/** The process outcome a fake command ends with. */
export class CliExit extends Error {
  override name = "CliExit";
  readonly code: number;
  readonly stdout: string;

  constructor(code: number, stderr: string, stdout = "") {
    super(stderr);
    this.code = code;
    this.stdout = stdout;
  }
}

/**
 * What a fake command printed when it succeeded: the real tools write their reports (talosctl's
 * `Created <file>` and apply-config summaries, every flux logger line) to stderr, not stdout.
 */
export interface CliOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** A command's result: stdout text alone, or both streams. */
export type CliResult = string | CliOutput;

export const streamsOf = (result: CliResult): CliOutput =>
  typeof result === "string" ? { stdout: result, stderr: "" } : result;

export interface FlagSpec {
  /** Long name without dashes → takes a value? */
  readonly long: Readonly<Record<string, boolean>>;
  /** Shorthand letter → long name. */
  readonly short?: Readonly<Record<string, string>>;
}

export interface ParsedCli {
  readonly positionals: string[];
  readonly flags: Map<string, string[]>;
}

export function parseCli(argv: readonly string[], spec: FlagSpec): ParsedCli {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    flags.set(name, [...(flags.get(name) ?? []), value]);
  };
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? "";
    if (token === "--") {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (token.startsWith("--")) {
      const [name = "", inline] = token.slice(2).split(/=(.*)/s, 2);
      const takesValue = spec.long[name];
      if (takesValue === undefined) {
        throw new CliExit(1, `Error: unknown flag: --${name}\n`);
      }
      if (!takesValue) {
        add(name, inline ?? "true");
        continue;
      }
      const value = inline ?? argv[++index];
      if (value === undefined) {
        throw new CliExit(1, `Error: flag needs an argument: --${name}\n`);
      }
      add(name, value);
      continue;
    }
    if (token.startsWith("-") && token.length > 1) {
      const letter = token[1] ?? "";
      const name = spec.short?.[letter];
      if (name === undefined) {
        throw new CliExit(1, `Error: unknown shorthand flag: '${letter}' in ${token}\n`);
      }
      const rest = token.slice(2).replace(/^=/, "");
      if (!spec.long[name]) {
        add(name, "true");
        continue;
      }
      const value = rest !== "" ? rest : argv[++index];
      if (value === undefined) {
        throw new CliExit(1, `Error: flag needs an argument: '${letter}' in -${letter}\n`);
      }
      add(name, value);
      continue;
    }
    positionals.push(token);
  }
  return { positionals, flags };
}

export function flag(parsed: ParsedCli, name: string): string | undefined {
  return parsed.flags.get(name)?.at(-1);
}

export function flagList(parsed: ParsedCli, name: string): string[] {
  return (parsed.flags.get(name) ?? []).flatMap((value) => value.split(",")).filter((value) => value !== "");
}

export function hasFlag(parsed: ParsedCli, name: string): boolean {
  const value = flag(parsed, name);
  return value !== undefined && value !== "false";
}

/** Refuses flags the command does not take, as cobra does per subcommand. */
export function onlyFlags(parsed: ParsedCli, allowed: readonly string[]): void {
  for (const name of parsed.flags.keys()) {
    if (!allowed.includes(name)) {
      throw new CliExit(1, `Error: unknown flag: --${name}\n`);
    }
  }
}

/** One option as written: `flag` is `-n` or `--namespace`; `value` is its argument when it takes one. */
export interface ParsedOption {
  flag: string;
  value: string | undefined;
}

export interface ParsedArgs {
  tool: string;
  /** Words that are not options or option values: the command path (`get`, `members`) and its operands. */
  positionals: string[];
  options: ParsedOption[];
}

/**
 * Parses argv the way Go's pflag (cobra) does, which talosctl, kubectl, flux, cilium and
 * cloudflared all use: `--flag=value`, `--flag value`, `-n value`, `-nvalue`, clusters of
 * short flags (`-Ao`), and `--` ending the options. Only flags in `valueFlags` take a value;
 * any other flag is read as a boolean, so an unknown flag can never hide the word after it
 * from the policy (at worst that word is judged as a positional and refused).
 */
/**
 * A long flag as pflag matches it: kubectl, flux and talosctl normalise `_` to `-` in flag
 * names (kubernetes/component-base cli/flag WordSepNormalizeFunc), and a policy must hold for
 * `--KubeConfig` too even where the tool would reject it. Short flags keep their case.
 */
export function normaliseFlag(flag: string): string {
  return flag.startsWith("--") ? flag.toLowerCase().replaceAll("_", "-") : flag;
}

export function parseArgs(argv: readonly string[], valueFlags: ReadonlySet<string>): ParsedArgs {
  const [tool = "", ...rest] = argv;
  const positionals: string[] = [];
  const options: ParsedOption[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (token === "--") {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const flag = normaliseFlag(eq === -1 ? token : token.slice(0, eq));
      if (eq !== -1) {
        options.push({ flag, value: token.slice(eq + 1) });
      } else if (valueFlags.has(flag)) {
        options.push({ flag, value: rest[i + 1] });
        i++;
      } else {
        options.push({ flag, value: undefined });
      }
      continue;
    }
    if (token.startsWith("-") && token.length > 1) {
      for (let j = 1; j < token.length; j++) {
        const flag = `-${token[j]}`;
        if (valueFlags.has(flag)) {
          const attached = token.slice(j + 1).replace(/^=/, "");
          if (attached !== "") {
            options.push({ flag, value: attached });
          } else {
            options.push({ flag, value: rest[i + 1] });
            i++;
          }
          break;
        }
        options.push({ flag, value: undefined });
      }
      continue;
    }
    positionals.push(token);
  }
  return { tool, positionals, options };
}

export function hasFlag(args: ParsedArgs, ...flags: string[]): ParsedOption | undefined {
  return args.options.find((option) => flags.includes(option.flag));
}

/** Every occurrence: a flag given twice is judged twice (pflag keeps the last, a policy must see both). */
export function allOf(args: ParsedArgs, ...flags: string[]): ParsedOption[] {
  return args.options.filter((option) => flags.includes(option.flag));
}

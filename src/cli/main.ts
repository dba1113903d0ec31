import { Command } from "commander";
import { PACKAGE_VERSION } from "../version.ts";
import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS, type OptionSpec, RUN_COMMAND } from "./command-table.ts";
import { type CliIO, processIO } from "./io.ts";
import { reportError } from "./report-error.ts";

const EXIT_CODES_HELP = `
Exit codes: 0 green, 1 failed or give_up (status: a stage gave up), 2 usage or configuration error,
3 another run holds the lock, 130 interrupted, 70 an internal error (a bug).
Examples:
  orchestrator init              write ai/ into this repo
  orchestrator talos             run one stage until green or give_up
  orchestrator all               every stage in order
  orchestrator status [--json]   where every stage stands
  orchestrator talos --reset     clear a stage after a human fix`;

/** The bin's entry: the real process's folder, environment and streams. */
export async function main(argv: string[]): Promise<void> {
  process.exitCode = await runOrchestrator(argv, processIO());
}

/**
 * Parses `argv` against the command table, runs the one command it names with `io`, and
 * resolves to the exit code; an error becomes one line on `io.stderr` (a bug: its stack).
 */
export async function runOrchestrator(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(io: CliIO, finished: (exitCode: number) => void): Command {
  // Set before any sub-command exists: commander copies these settings into each one as it is
  // added, so a usage mistake anywhere throws (exit 2) instead of calling process.exit(1).
  const program = new Command(RUN_COMMAND.name)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run "orchestrator --help" for usage)')
    .version(PACKAGE_VERSION)
    .helpCommand(true)
    .addHelpText("after", EXIT_CODES_HELP);
  for (const option of GLOBAL_OPTIONS) {
    addOption(program, option);
  }
  defineCommand(program, RUN_COMMAND, io, finished);
  for (const spec of COMMANDS) {
    addCommand(program, spec, io, finished);
  }
  return program;
}

function addCommand(parent: Command, spec: CommandSpec, io: CliIO, finished: (code: number) => void): void {
  const command = parent.command(spec.name);
  defineCommand(command, spec, io, finished);
  for (const sub of spec.subcommands ?? []) {
    addCommand(command, sub, io, finished);
  }
}

function defineCommand(
  command: Command,
  spec: CommandSpec,
  io: CliIO,
  finished: (code: number) => void,
): void {
  command.description(spec.description);
  for (const argument of spec.arguments ?? []) {
    command.argument(argument.name, argument.description);
  }
  for (const option of spec.options ?? []) {
    addOption(command, option);
  }
  const load = spec.load;
  if (!load) {
    return;
  }
  command.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const args = received.slice(0, spec.arguments?.length ?? 0);
    if (spec === RUN_COMMAND && args[0] === undefined) {
      command.help({ error: true });
    }
    const module = await load();
    // The one cast between commander's untyped parse and each module's own argument types.
    finished(await module.run(args as never, self.optsWithGlobals() as never, io));
  });
}

function addOption(command: Command, option: OptionSpec): void {
  if (option.required) {
    command.requiredOption(option.flags, option.description, option.default);
  } else {
    command.option(option.flags, option.description, option.default);
  }
}

import { Command, CommanderError } from "commander";
import { UserError } from "../errors/index.ts";
import { registerDiagnosticsCommands } from "./commands/diagnostics.ts";
import { registerFingerprintCommands } from "./commands/fingerprint.ts";
import { registerFixesCommands } from "./commands/fixes.ts";
import { registerPatchesCommands } from "./commands/patches.ts";
import { registerProxmoxCommands } from "./commands/proxmox.ts";
import { registerRunOptions, runStageCommand } from "./commands/run.ts";
import { registerStepCommands } from "./commands/step.ts";
import { registerVerifyCommands } from "./commands/verify.ts";

const VERSION = "0.1.0";

/** The commander program: parse, call, print. Heavy modules load inside the actions that need them. */
export function buildProgram(): Command {
  const program = new Command("orchestrator")
    .description("Operates, repairs and converges a Talos Kubernetes homelab on Proxmox VE.")
    .version(VERSION)
    .argument("[stage]", 'a stage from ai/context_map.yaml, or "all"')
    .option("--reset", "clear the stage's state (after a human fix) and set it to idle")
    .showHelpAfterError('(run "orchestrator --help" for usage)')
    .addHelpText(
      "after",
      `
Exit codes: 0 green, 1 failed or give_up, 2 usage or configuration error, 3 another run holds the lock.
Examples:
  orchestrator init              write ai/ into this repo
  orchestrator talos             run one stage until green or give_up
  orchestrator all               every stage in order
  orchestrator status [--json]   where every stage stands
  orchestrator talos --reset     clear a stage after a human fix`,
    );
  registerRunOptions(program);
  program.action(async (stage: string | undefined, options) => {
    if (!stage) {
      program.help({ error: true });
    }
    await runStageCommand(stage as string, { ...program.opts(), ...options });
  });

  program
    .command("status")
    .description("stage, status, since, fingerprint, attempts, API calls and last log of every stage")
    .option("--json", "stable JSON for scripts")
    .action(async (options) => {
      const { statusCommand } = await import("./commands/status.ts");
      await statusCommand({ ...program.opts(), ...options });
    });

  program
    .command("converge")
    .description("the continuous mode: converge all stages, then re-check every interval; never exits")
    .option("--every <duration>", "time between passes", "15m")
    .action(async (options) => {
      const { convergeCommand } = await import("./commands/converge.ts");
      await convergeCommand({ ...program.opts(), ...options });
    });

  program
    .command("init")
    .description(
      "write ai/ (context map, master memo, executor instructions, shim) without overwriting anything",
    )
    .action(async () => {
      const { initCommand } = await import("./commands/init.ts");
      await initCommand(program.opts());
    });

  program
    .command("explain <stage>")
    .description("the story of the stage's last episode in plain words: runs, fixes, model calls, outcome")
    .action(async (stage: string) => {
      const { explainCommand } = await import("./commands/explain.ts");
      await explainCommand(stage, program.opts());
    });

  program
    .command("schema")
    .description("print the JSON Schema of ai/context_map.yaml")
    .action(async () => {
      const { contextMapJsonSchema } = await import("../config/json-schema.ts");
      process.stdout.write(`${JSON.stringify(contextMapJsonSchema(), null, 2)}\n`);
    });

  program
    .command("demo")
    .description("run the loop on a built-in sandbox homelab in a temporary folder")
    .option("--keep", "keep the temporary repo for a look afterwards")
    .action(async (options) => {
      const { demoCommand } = await import("./commands/demo.ts");
      await demoCommand(options);
    });

  registerFingerprintCommands(program);
  registerPatchesCommands(program);
  registerDiagnosticsCommands(program);
  registerStepCommands(program);
  registerFixesCommands(program);
  registerVerifyCommands(program);
  registerProxmoxCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    process.exitCode = exitCodeFor(error);
  }
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // help and version end with 0; every usage mistake with 2
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UserError) {
    process.stderr.write(`orchestrator: ${error.message}\n`);
    return error.exitCode;
  }
  process.stderr.write(
    `orchestrator: internal error (a bug; please report it):\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return 70;
}

import { CommanderError } from "commander";
import { OrchestratorError } from "../errors/index.ts";
import type { CliIO } from "./io.ts";

/**
 * An error the tool raised on purpose carries its exit code and a message a user can act on:
 * one line, no stack. Anything else is a bug: its stack, exit 70.
 */
export function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // commander has printed it: help and version end with 0, every usage mistake with 2
    return error.exitCode === 0 ? 0 : 2;
  }
  const exitCode = ownExitCode(error);
  if (exitCode !== undefined) {
    io.stderr.write(`orchestrator: ${oneLine((error as Error).message)}\n`);
    return exitCode;
  }
  io.stderr.write(
    `orchestrator: internal error (a bug; please report it):\n${(error as Error)?.stack ?? String(error)}\n`,
  );
  return 70;
}

/**
 * The exit code of an error the tool raised on purpose: every `OrchestratorError` (a user's
 * mistake exits 2, a runtime failure such as a git or tool error 1, a held lock 3).
 */
function ownExitCode(error: unknown): number | undefined {
  return error instanceof OrchestratorError ? error.exitCode : undefined;
}

function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, " ");
}

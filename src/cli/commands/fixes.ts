import { FixMemory } from "../../adapters/fix-memory/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/** `orchestrator fixes [--json]`: the fix memory, the fixes replayed when their error returns. */
export async function run(
  _args: [],
  options: GlobalOptions & { json?: boolean },
  io: CliIO,
): Promise<number> {
  const memory = new FixMemory(repoRootOf(options, io));
  const entries = await memory.list();
  for (const warning of memory.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ version: 1, fixes: entries }, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stdout.write("no remembered fixes yet: a patch that turns a stage green is remembered here\n");
    return 0;
  }
  for (const entry of entries) {
    const state = entry.retired ? "retired" : "active";
    io.stdout.write(
      `${entry.id}  ${entry.stage}  ${state}  worked ${entry.successes}x, failed ${entry.failures}x  ` +
        `from ${entry.source}  ${entry.files.join(", ")}\n` +
        `    ${entry.summary || "(no summary)"}; fingerprints ${entry.fingerprints.map((f) => f.template).join(", ")}\n`,
    );
  }
  return 0;
}

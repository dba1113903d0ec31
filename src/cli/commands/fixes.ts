import type { Command } from "commander";

/** Where the command runs; tests pass their own. */
export type FixesCommandContext = { cwd: () => string };

const DEFAULT_CONTEXT: FixesCommandContext = { cwd: () => process.cwd() };

/** `orchestrator fixes [--json]` lists the fix memory; `orchestrator fixes forget ID` drops one entry. */
export function registerFixesCommands(
  program: Command,
  context: FixesCommandContext = DEFAULT_CONTEXT,
): void {
  const fixes = program
    .command("fixes")
    .description("list the remembered fixes that are replayed when their error returns")
    .option("--json", "stable JSON for scripts")
    .action(async (options: { json?: boolean }) => {
      const memory = await openMemory(context);
      const entries = await memory.list();
      for (const warning of memory.warnings) {
        process.stderr.write(`warning: ${warning}\n`);
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ version: 1, fixes: entries }, null, 2)}\n`);
        return;
      }
      if (entries.length === 0) {
        process.stdout.write(
          "no remembered fixes yet: a patch that turns a stage green is remembered here\n",
        );
        return;
      }
      for (const entry of entries) {
        const state = entry.retired ? "retired" : "active";
        process.stdout.write(
          `${entry.id}  ${entry.stage}  ${state}  worked ${entry.successes}x, failed ${entry.failures}x  ` +
            `from ${entry.source}  ${entry.files.join(", ")}\n` +
            `    ${entry.summary || "(no summary)"}; fingerprints ${entry.fingerprints.map((f) => f.template).join(", ")}\n`,
        );
      }
    });

  fixes
    .command("forget <id>")
    .description("forget one remembered fix (a unique prefix of its id is enough)")
    .action(async (id: string) => {
      const memory = await openMemory(context);
      const forgotten = await memory.forget(id);
      process.stdout.write(
        `forgot ${forgotten.id} (${forgotten.stage}: ${forgotten.summary || forgotten.files.join(", ")})\n`,
      );
    });
}

async function openMemory(context: FixesCommandContext) {
  const { findRepoRoot } = await import("../repo-root.ts");
  const { FixMemory } = await import("../../adapters/fix-memory/index.ts");
  return new FixMemory(findRepoRoot(context.cwd()));
}

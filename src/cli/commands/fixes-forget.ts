import { FixMemory } from "../../adapters/fix-memory/index.ts";
import { type GlobalOptions, repoRootOf } from "../global-options.ts";
import type { CliIO } from "../io.ts";

/** `orchestrator fixes forget ID`: drop one remembered fix (a unique prefix of its id is enough). */
export async function run([id]: [string], options: GlobalOptions, io: CliIO): Promise<number> {
  const forgotten = await new FixMemory(repoRootOf(options, io)).forget(id);
  io.stdout.write(
    `forgot ${forgotten.id} (${forgotten.stage}: ${forgotten.summary || forgotten.files.join(", ")})\n`,
  );
  return 0;
}

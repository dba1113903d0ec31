import { resolve } from "node:path";
import { TemplateMiner } from "../../core/fingerprint/index.ts";
import type { CliIO } from "../io.ts";
import { openForReading, writeTemplates } from "./fingerprint.ts";

/** `orchestrator templates [FILE]`: one JSON object per input line, from an empty miner. */
export async function run([file]: [string | undefined], _options: object, io: CliIO): Promise<number> {
  const input =
    file === undefined || file === "-" ? io.stdin : await openForReading(resolve(io.cwd, file), file);
  await writeTemplates(input, io.stdout, new TemplateMiner());
  return 0;
}

import { contextMapJsonSchema } from "../../config/json-schema.ts";
import type { CliIO } from "../io.ts";

export async function run(_args: [], _options: object, io: CliIO): Promise<number> {
  io.stdout.write(`${JSON.stringify(contextMapJsonSchema(), null, 2)}\n`);
  return 0;
}

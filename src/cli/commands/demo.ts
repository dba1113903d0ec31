import { runDemo } from "../../demo/index.ts";
import type { CliIO } from "../io.ts";

export async function run(_args: [], options: { keep?: boolean }, io: CliIO): Promise<number> {
  const out = (text: string) => {
    io.stdout.write(text);
  };
  if (await runDemo({ ...(options.keep ? { keep: true } : {}), out })) {
    return 0;
  }
  io.stderr.write(
    "demo: the sandbox lab did not converge; this is a bug, and the output above shows where\n",
  );
  return 1;
}

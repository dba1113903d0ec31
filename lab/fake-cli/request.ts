import type { FakeCall } from "./answer.ts";

/**
 * A fake's request as its bash script sends it (install.ts): tool, working folder, the count of
 * environment fields and each `NAME=value` (empty for an unset variable), the count of arguments
 * and each argument. Undefined when the fields do not have that shape.
 */
export function parseFakeRequest(fields: readonly string[]): (FakeCall & { cwd: string }) | undefined {
  const [tool, cwd, envCountText] = fields;
  const envCount = Number(envCountText);
  if (tool === undefined || cwd === undefined || !Number.isInteger(envCount) || envCount < 0) {
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const entry of fields.slice(3, 3 + envCount)) {
    const equals = entry.indexOf("=");
    if (equals > 0) {
      env[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
  }
  const argc = Number(fields[3 + envCount]);
  const args = fields.slice(4 + envCount);
  if (!Number.isInteger(argc) || args.length !== argc) {
    return undefined;
  }
  return { tool, cwd, env, args };
}

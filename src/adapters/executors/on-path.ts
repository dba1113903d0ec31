import { access, constants } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

/** The absolute path of `program` on the environment's PATH, or undefined. */
export async function findOnPath(program: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (isAbsolute(program)) {
    return (await isExecutable(program)) ? program : undefined;
  }
  for (const folder of (env["PATH"] ?? "").split(delimiter)) {
    if (folder === "") {
      continue;
    }
    const candidate = join(folder, program);
    if (await isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

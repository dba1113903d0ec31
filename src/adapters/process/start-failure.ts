import { stat } from "node:fs/promises";
import type { StartFailure } from "./types.ts";

/** Why spawn failed, in words naming the program (or the missing folder). */
export async function classifyStartFailure(
  error: NodeJS.ErrnoException,
  program: string,
  cwd: string,
): Promise<StartFailure> {
  if (error.code === "ENOENT") {
    // Node reports a missing working folder as the program's ENOENT too.
    if (!(await isFolder(cwd))) {
      return {
        kind: "cwd-missing",
        message: `${program} could not start in ${cwd}: that folder does not exist`,
      };
    }
    return {
      kind: "not-found",
      message: program.includes("/") ? `${program} does not exist` : `${program} was not found on PATH`,
    };
  }
  if (error.code === "EACCES") {
    return { kind: "not-executable", message: `${program} could not be started: permission denied` };
  }
  return { kind: "other", message: `${program} could not be started: ${error.message}` };
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      return false;
    }
    return true; // cannot tell: do not blame the folder
  }
}

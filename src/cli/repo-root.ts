import { existsSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { CONTEXT_MAP_PATH } from "../config/context-map.ts";
import { UserError } from "../errors/index.ts";

/**
 * The nearest folder at or above `start` that holds ai/context_map.yaml. The AI branch's
 * worktree (ai/worktree) holds a copy too, but the repo is the checkout around it.
 */
export function findRepoRoot(start: string): string {
  let folder = resolve(start);
  for (;;) {
    if (existsSync(join(folder, CONTEXT_MAP_PATH))) {
      const around = dirname(dirname(folder));
      const inWorktree =
        folder.endsWith(`${sep}ai${sep}worktree`) && existsSync(join(around, CONTEXT_MAP_PATH));
      return inWorktree ? around : folder;
    }
    const parent = dirname(folder);
    if (parent === folder) {
      throw new UserError(
        `no ${CONTEXT_MAP_PATH} in ${resolve(start)} or any folder above it: run "orchestrator init" in your homelab repo`,
      );
    }
    folder = parent;
  }
}

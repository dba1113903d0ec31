import { resolve } from "node:path";
import { findRepoRoot } from "../config/repo-root.ts";
import type { SettingFlags } from "../config/settings.ts";
import type { CliIO } from "./io.ts";

/** The options every command sees (command-table.ts GLOBAL_OPTIONS). */
export interface GlobalOptions extends SettingFlags {
  repo?: string;
}

/** The homelab repo a command works on: `-C DIR`'s, or the one around the working folder. */
export function repoRootOf(options: GlobalOptions, io: CliIO): string {
  return findRepoRoot(resolve(io.cwd, options.repo ?? "."));
}

/**
 * Where a homelab step works (`step`, `verify`, `proxmox get`): the working folder itself, which
 * under the loop is the AI worktree whose files the step must use, or `-C DIR`.
 */
export function stepFolderOf(options: GlobalOptions, io: CliIO): string {
  return resolve(io.cwd, options.repo ?? ".");
}

/**
 * The size limits of one AI patch, defined once: the settings' defaults, the guard, the case
 * file's rules and the executor brief all read them from here (a context map may lower or raise
 * them with `patch_max_files` / `patch_max_lines`).
 */
export const DEFAULT_MAX_FILES = 5;
export const DEFAULT_MAX_CHANGED_LINES = 80;

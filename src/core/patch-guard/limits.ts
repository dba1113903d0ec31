/**
 * The size limits of one AI patch, defined once: the settings' defaults, the guard, the case
 * file's rules and the executor brief all read them from here (a context map may lower or raise
 * them with `patch_max_files` / `patch_max_lines`).
 */
export const DEFAULT_MAX_FILES = 5;
export const DEFAULT_MAX_CHANGED_LINES = 80;

/**
 * The longest line a patch may add, in characters. Long enough for a base64 certificate or a
 * minified JSON value in a config file; a megabyte line is no fix a human can review (it hides
 * whatever it carries past the edge of every diff viewer), so the guard refuses it.
 */
export const MAX_ADDED_LINE_CHARS = 20_000;

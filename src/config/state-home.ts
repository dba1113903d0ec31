import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/**
 * The user's state directory: `$XDG_STATE_HOME` when it is an absolute path, else
 * `~/.local/state` (XDG Base Directory Specification 0.8,
 * https://specifications.freedesktop.org/basedir-spec/0.8/: "If $XDG_STATE_HOME is either not
 * set or empty, a default equal to $HOME/.local/state should be used"; relative paths are invalid
 * and ignored).
 */
export function userStateHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env["XDG_STATE_HOME"];
  return configured && isAbsolute(configured) ? configured : join(homedir(), ".local", "state");
}

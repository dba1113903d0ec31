/**
 * Errors a caller branches on. A `UserError` is the user's to fix: the CLI prints its
 * message as one line and exits with its code. Anything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  override name = "UserError";
  readonly exitCode: number = 2;
}

/** A configuration file that does not parse or validate; `message` already names file, line and field. */
export class ConfigError extends UserError {
  override name = "ConfigError";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${field ? `${field}: ` : ""}${reason}`);
  }
}

/** Another run holds the repo's lock. */
export class LockHeldError extends UserError {
  override name = "LockHeldError";
  override readonly exitCode = 3;
  constructor(
    readonly pid: number,
    readonly host: string,
    readonly since: string,
  ) {
    super(`another orchestrator run holds the lock (pid ${pid} on ${host}, since ${since}); wait for it or stop it`);
  }
}

/** A git command failed; carries what is needed to say which and why. */
export class GitError extends UserError {
  override name = "GitError";
  constructor(
    readonly args: readonly string[],
    readonly gitExitCode: number | null,
    readonly stderr: string,
    summary?: string,
  ) {
    super(summary ?? `git ${args.join(" ")} failed (exit ${gitExitCode}): ${stderr.trim().split("\n").slice(-3).join(" | ")}`);
  }
}

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
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly reason: string;

  constructor(file: string, line: number | undefined, field: string | undefined, reason: string) {
    super(`${file}${line === undefined ? "" : `:${line}`}: ${field ? `${field}: ` : ""}${reason}`);
    this.file = file;
    this.line = line;
    this.field = field;
    this.reason = reason;
  }
}

/** Another run holds the repo's lock. */
export class LockHeldError extends UserError {
  override name = "LockHeldError";
  override readonly exitCode = 3;
  readonly pid: number;
  readonly host: string;
  readonly since: string;

  constructor(pid: number, host: string, since: string) {
    super(
      `another orchestrator run holds the lock (pid ${pid} on ${host}, since ${since}); wait for it or stop it`,
    );
    this.pid = pid;
    this.host = host;
    this.since = since;
  }
}

/** A git command failed; carries what is needed to say which and why. */
export class GitError extends UserError {
  override name = "GitError";
  readonly args: readonly string[];
  readonly gitExitCode: number | null;
  readonly stderr: string;

  constructor(args: readonly string[], gitExitCode: number | null, stderr: string, summary?: string) {
    const tail = stderr.trim().split("\n").slice(-3).join(" | ");
    super(summary ?? `git ${args.join(" ")} failed (exit ${gitExitCode}): ${tail}`);
    this.args = args;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}

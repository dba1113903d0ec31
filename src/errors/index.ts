import { formatDuration } from "../core/duration/index.ts";

/**
 * Errors a caller branches on, in one small hierarchy. Every `OrchestratorError` is an outcome
 * the CLI reports as one line (its message) and ends with its `exitCode`: 2 for what the user
 * must fix (`UserError`), 1 for a failure while running (`RuntimeFailure`), 3 for a held lock.
 * Anything else is a bug and keeps its stack.
 */
export class OrchestratorError extends Error {
  override name = "OrchestratorError";
  readonly exitCode: number = 1;
}

/** The user's to fix: configuration, usage, the state of their repository. Exit 2. */
export class UserError extends OrchestratorError {
  override name = "UserError";
  override readonly exitCode: number = 2;
}

/** Something failed while running (a command, the disk, the network); not a bug, not a usage error. Exit 1. */
export class RuntimeFailure extends OrchestratorError {
  override name = "RuntimeFailure";
  override readonly exitCode: number = 1;
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

/**
 * A secret written into a tracked configuration file. Unlike other `ConfigError`s no fixer may
 * repair it: the secret is already in git's history, so a person must move it out and rotate it.
 */
export class SecretInConfigError extends ConfigError {
  override name = "SecretInConfigError";
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

/** How a process ended, as much as a `ProcessError` needs to say it. */
export interface ProcessEnding {
  argv: readonly string[];
  exitCode: number | null;
  signal?: NodeJS.Signals | null;
  timedOut?: boolean;
  timeoutMs?: number;
  /** Why it could not start at all, e.g. "git was not found on PATH". */
  startError?: string | undefined;
  stderr: string;
}

const COMMAND_CHARS = 200;

/**
 * A command the tool ran failed. The message names the command, how it ended (exit code,
 * signal, timeout) and the last lines of its stderr, as execa's error message does
 * (sindresorhus/execa@177d6d5 lib/return/message.js).
 */
export class ProcessError extends RuntimeFailure {
  override name = "ProcessError";
  readonly argv: readonly string[];
  /** The process's own exit code (not the CLI's `exitCode`); null when it never ran or was killed. */
  readonly processExitCode: number | null;
  readonly timedOut: boolean;
  readonly stderr: string;

  constructor(ending: ProcessEnding, message?: string) {
    super(message ?? describeFailure(ending));
    this.argv = ending.argv;
    this.processExitCode = ending.exitCode;
    this.timedOut = ending.timedOut ?? false;
    this.stderr = ending.stderr;
  }
}

/** "git rev-parse x failed (exit 128): fatal: … | …" */
export function describeFailure(ending: ProcessEnding): string {
  const joined = ending.argv.join(" ");
  const command = joined.length > COMMAND_CHARS ? `${joined.slice(0, COMMAND_CHARS)}…` : joined;
  if (ending.startError !== undefined) {
    return `could not run ${command}: ${ending.startError}`;
  }
  const how = ending.timedOut
    ? `timed out${ending.timeoutMs === undefined ? "" : ` after ${formatDuration(ending.timeoutMs)}`}`
    : ending.exitCode === null && ending.signal
      ? `failed (killed by ${ending.signal})`
      : `failed (exit ${ending.exitCode})`;
  const tail = ending.stderr.trim().split("\n").slice(-3).join(" | ");
  return `${command} ${how}${tail === "" ? "" : `: ${tail}`}`;
}

/** A git command failed; carries what is needed to say which and why. */
export class GitError extends ProcessError {
  override name = "GitError";
  /** git's arguments, without the leading "git". */
  readonly args: readonly string[];
  readonly gitExitCode: number | null;

  constructor(args: readonly string[], gitExitCode: number | null, stderr: string, summary?: string) {
    super({ argv: ["git", ...args], exitCode: gitExitCode, stderr }, summary);
    this.args = args;
    this.gitExitCode = gitExitCode;
  }
}

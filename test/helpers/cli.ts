import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runOrchestrator } from "../../src/cli/main.ts";
import { GIT_ENV } from "./homelab-repo.ts";

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/orchestrator");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Environment a test run starts from: no API key, no executor (plain retries), no waiting
 * between retries, git isolated. Tests that want an executor set EXECUTOR themselves.
 */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...GIT_ENV,
    RETRY_BACKOFF: "0",
    EXECUTOR: "none",
    ...extra,
  };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "AI_BRANCH", "CI"]) {
    if (!(name in extra)) {
      delete env[name];
    }
  }
  return env;
}

/** Runs the built CLI (bin/orchestrator → dist) as a user would. */
export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = testEnv()): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  return collect(child);
}

export function collect(child: ReturnType<typeof spawn>): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolveRun) => {
    child.on("close", (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

export function stateFile(repo: string, name: string): string {
  return join(repo, "ai", "state", name);
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI inside the test's own process, parsed and dispatched exactly as the bin does,
 * with its own working folder, environment and standard input: no spawn, no build.
 */
export async function runInProcess(
  args: string[],
  cwd: string,
  options: { env?: Readonly<Record<string, string | undefined>>; stdin?: string } = {},
): Promise<InProcessResult> {
  const stdout = textSink();
  const stderr = textSink();
  const stdin = Readable.from(options.stdin === undefined ? [] : [options.stdin]);
  const code = await runOrchestrator(args, {
    cwd,
    env: options.env ?? testEnv(),
    stdin,
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function textSink(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/**
 * A command's output lines and exit code, for commands whose result is 0, 1 or 78 (`step`,
 * `verify`; 78: a failure only a person can fix); any other exit (a usage or configuration
 * error, a bug) rejects with its stderr.
 */
export async function runForLines(
  args: string[],
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ lines: string[]; exitCode: number }> {
  const result = await runInProcess(args, cwd, { env });
  if (result.code !== 0 && result.code !== 1 && result.code !== 78) {
    throw new Error(`exit ${result.code}: ${result.stderr.trim()}`);
  }
  return { lines: result.stdout.trimEnd().split("\n"), exitCode: result.code };
}

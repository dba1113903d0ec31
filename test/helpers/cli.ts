import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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

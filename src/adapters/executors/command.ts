import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { splitCommandLine } from "../../core/diagnostics-policy/index.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import { fileStamp } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import { describeEnding, runArgv } from "../process/index.ts";
import { buildExecutorBrief } from "./brief.ts";
import { findOnPath } from "./on-path.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";
import { changedPaths, mentionedFiles, unique } from "./worktree-changes.ts";

export interface CommandExecutorOptions {
  /** EXECUTOR_COMMAND / settings.executor_command, e.g. `aider --yes-always --message-file {brief_file}`. */
  template: string | undefined;
  env: NodeJS.ProcessEnv;
  redactor: Pick<Redactor, "redact">;
  briefTokens: number;
}

/**
 * Splits the template into argv FIRST (shell quoting rules, nothing expanded, shell constructs
 * refused), then substitutes placeholders inside each argument, so a path with spaces or quotes
 * stays one argument and nothing is ever run through a shell. `{files}` as a whole argument
 * becomes one argument per relevant file (for agents that take files, like Aider).
 */
export function commandArgv(
  template: string,
  values: { briefFile: string; worktree: string; stage: string; files: string[] },
): string[] {
  const split = splitCommandLine(template.trim());
  if (!split.ok) {
    throw new UserError(`EXECUTOR_COMMAND "${template}" cannot be run without a shell: ${split.reason}`);
  }
  if (split.argv.length === 0) {
    throw new UserError("EXECUTOR_COMMAND is empty: give the agent's command, e.g. a script path");
  }
  return split.argv.flatMap((argument) =>
    argument === "{files}"
      ? values.files
      : [
          argument
            .replaceAll("{brief_file}", values.briefFile)
            .replaceAll("{worktree}", values.worktree)
            .replaceAll("{stage}", values.stage),
        ],
  );
}

export function createCommandExecutor(options: CommandExecutorOptions): Executor {
  return {
    kind: "command",
    async available() {
      const program = options.template ? splitCommandLine(options.template.trim()) : undefined;
      const first = program?.ok ? program.argv[0] : undefined;
      return (
        first !== undefined && (first.includes("/") || (await findOnPath(first, options.env)) !== undefined)
      );
    },
    run: (request) => runCommand(options, request),
  };
}

async function runCommand(
  options: CommandExecutorOptions,
  request: ExecutorRequest,
): Promise<ExecutorReport> {
  if (!options.template) {
    throw new UserError("EXECUTOR=command needs EXECUTOR_COMMAND (or settings.executor_command)");
  }
  await mkdir(request.logDir, { recursive: true });
  const stamp = fileStamp();
  const briefFile = join(request.logDir, `brief_${stamp}.md`);
  await writeFile(
    briefFile,
    await buildExecutorBrief(request, {
      tokenBudget: options.briefTokens,
      redactor: options.redactor,
      audience: "agent",
    }),
  );
  const argv = commandArgv(options.template, {
    briefFile,
    worktree: request.worktree,
    stage: request.stage,
    files: request.relevantFiles,
  });
  const logFile = join(request.logDir, `command_${stamp}.log`);
  const log = createWriteStream(logFile);
  const transcript: string[] = [];
  const result = await runArgv(argv, {
    cwd: request.worktree,
    env: { ...options.env, ORCHESTRATOR_STAGE: request.stage, ORCHESTRATOR_BRIEF_FILE: briefFile },
    timeoutMs: request.timeoutMs,
    killGraceMs: 2000,
    ...(request.signal ? { signal: request.signal } : {}),
    onLine: (line) => {
      const clean = options.redactor.redact(line);
      transcript.push(clean);
      log.write(`${clean}\n`);
    },
  });
  await new Promise<void>((resolve) => log.end(resolve));
  const changed = await changedPaths(request);
  const filesOpened = unique([...mentionedFiles(transcript.join("\n"), request.relevantFiles), ...changed]);
  const lastLines = transcript.filter((line) => line.trim() !== "").slice(-3);
  if (result.exitCode !== 0 || result.timedOut || result.interrupted || result.startError) {
    return {
      outcome: "failed",
      summary: `${argv[0]} ${describeEnding(result, `${Math.round(request.timeoutMs / 1000)}s`)}${lastLines.length > 0 ? `: ${lastLines.join(" | ")}` : ""} (log: ${logFile})`,
      filesOpened,
    };
  }
  const said = (lastLines.at(-1) ?? "").trim().slice(0, 300);
  return {
    outcome: changed.length > 0 ? "changed" : "no_change",
    summary:
      said || (changed.length > 0 ? `${argv[0]} edited ${changed.join(", ")}` : `${argv[0]} made no change`),
    filesOpened,
  };
}

import { createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Redactor } from "../../core/redaction/index.ts";
import { fileStamp } from "../../core/repo-layout/index.ts";
import { describeEnding, runArgv } from "../process/index.ts";
import { buildExecutorBrief } from "./brief.ts";
import { findOnPath } from "./on-path.ts";
import type { Executor, ExecutorReport, ExecutorRequest } from "./types.ts";
import { changedPaths, mentionedFiles, unique } from "./worktree-changes.ts";

/** Codex CLI versions whose `codex exec --help` these flags were checked against. */
export const CODEX_VERSIONS_CHECKED = ["0.169.0"];

export interface CodexExecutorOptions {
  env: NodeJS.ProcessEnv;
  redactor: Pick<Redactor, "redact">;
  /** Tokens for the brief given as the prompt. */
  briefTokens: number;
  /** `codex` on PATH unless given. */
  program?: string;
  /** Passed as `-m`; otherwise Codex's own configuration decides. */
  model?: string;
}

/**
 * The argv for one non-interactive Codex run, checked against `codex exec --help` (0.169.0):
 * `-C` roots the agent in the worktree; `-s workspace-write` lets it write there and nowhere else;
 * `approval_policy="never"` means it never waits for a human; the workspace-write sandbox gets no
 * network; `--json` prints one event per line; `-o` writes its last message (our summary);
 * `--ephemeral` keeps session files out of CODEX_HOME. `--skip-git-repo-check` is not needed: the
 * worktree is a git checkout. The prompt comes last, after `--`, so a brief starting with `-` is
 * never read as a flag.
 */
export function codexArgv(options: {
  program: string;
  worktree: string;
  lastMessageFile: string;
  prompt: string;
  model?: string;
}): string[] {
  return [
    options.program,
    "exec",
    "--json",
    "--color",
    "never",
    "--ephemeral",
    "-C",
    options.worktree,
    "-s",
    "workspace-write",
    "-c",
    'approval_policy="never"',
    "-c",
    "sandbox_workspace_write.network_access=false",
    "-o",
    options.lastMessageFile,
    ...(options.model === undefined ? [] : ["-m", options.model]),
    "--",
    options.prompt,
  ];
}

/** Linux refuses a single argument longer than 128 KiB; a brief that long is not compact anyway. */
const MAX_PROMPT_CHARS = 100_000;

export function createCodexExecutor(options: CodexExecutorOptions): Executor {
  const program = options.program ?? "codex";
  return {
    kind: "codex",
    available: async () => (await findOnPath(program, options.env)) !== undefined,
    run: (request) => runCodex(program, options, request),
  };
}

async function runCodex(
  program: string,
  options: CodexExecutorOptions,
  request: ExecutorRequest,
): Promise<ExecutorReport> {
  const brief = await buildExecutorBrief(request, {
    tokenBudget: options.briefTokens,
    redactor: options.redactor,
    audience: "agent",
  });
  await mkdir(request.logDir, { recursive: true });
  const stamp = fileStamp();
  const eventsFile = join(request.logDir, `codex_${stamp}.jsonl`);
  const lastMessageFile = join(request.logDir, `codex_${stamp}_last_message.txt`);
  const events = createWriteStream(eventsFile);
  const other = createWriteStream(join(request.logDir, `codex_${stamp}.stderr.log`));
  const commands: string[] = [];
  let lastAgentMessage = "";
  let lastError = "";

  const result = await runArgv(
    codexArgv({
      program,
      worktree: request.worktree,
      lastMessageFile,
      prompt: brief.slice(0, MAX_PROMPT_CHARS),
      ...(options.model === undefined ? {} : { model: options.model }),
    }),
    {
      cwd: request.worktree,
      env: options.env,
      timeoutMs: request.timeoutMs,
      killGraceMs: 2000,
      ...(request.signal ? { signal: request.signal } : {}),
      onLine: (line) => {
        const event = parseEvent(line);
        if (event === undefined) {
          other.write(`${options.redactor.redact(line)}\n`);
          return;
        }
        events.write(`${options.redactor.redact(line)}\n`);
        const item = event.item;
        if (item?.type === "command_execution" && typeof item.command === "string") {
          commands.push(item.command);
        } else if (item?.type === "agent_message" && typeof item.text === "string") {
          lastAgentMessage = item.text;
        } else if (item?.type === "error" && typeof item.message === "string") {
          lastError = item.message;
        } else if (event.type === "error" && typeof event.message === "string") {
          lastError = event.message;
        }
      },
    },
  );
  await Promise.all([closeStream(events), closeStream(other)]);

  const changed = await changedPaths(request);
  const filesOpened = unique([...mentionedFiles(commands.join("\n"), request.relevantFiles), ...changed]);
  if (result.timedOut || result.interrupted || result.startError || result.exitCode !== 0) {
    const detail = lastError || result.tail.slice(-3).join(" | ");
    return {
      outcome: "failed",
      summary: `codex ${describeEnding(result, `${Math.round(request.timeoutMs / 1000)}s`)}${detail ? `: ${detail}` : ""} (events in ${eventsFile})`,
      filesOpened,
    };
  }
  const lastMessage = (await readFile(lastMessageFile, "utf8").catch(() => "")).trim() || lastAgentMessage;
  const summary =
    oneParagraph(lastMessage) || (changed.length > 0 ? "codex edited files" : "codex made no change");
  return { outcome: changed.length > 0 ? "changed" : "no_change", summary, filesOpened };
}

interface CodexEvent {
  type?: string;
  message?: unknown;
  item?: { type?: string; command?: unknown; text?: unknown; message?: unknown };
}

function parseEvent(line: string): CodexEvent | undefined {
  if (!line.startsWith("{")) {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as CodexEvent) : undefined;
  } catch {
    return undefined;
  }
}

function oneParagraph(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

function closeStream(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { checkDiagnostic } from "../../core/diagnostics-policy/index.ts";
import type { Redactor } from "../../core/redaction/index.ts";
import { fileStamp } from "../../core/repo-layout/index.ts";
import { runProcess } from "../process/index.ts";

export { HeadTailBuffer } from "../process/index.ts";

export interface DiagnosticRequest {
  command: string;
  why?: string;
}

export interface DiagnosticResult {
  command: string;
  why?: string;
  verdict: "ran" | "refused" | "timed_out" | "failed_to_start";
  /** Why it was refused, timed out or did not start. */
  reason?: string;
  exitCode?: number | null;
  /** Redacted, and cut to head and tail when longer than the cap. */
  output?: string;
  outputBytes?: number;
  truncated?: boolean;
  logFile?: string;
  durationMs?: number;
}

export interface RunDiagnosticsOptions {
  stage: string;
  allowedPrefixes: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** `<repo>/ai/logs/diagnostics` */
  logDir: string;
  redactor: Redactor;
  timeoutMs?: number;
  outputCapBytes?: number;
  /** Between SIGTERM and SIGKILL on timeout. */
  killGraceMs?: number;
  now?: () => Date;
}

export const DEFAULT_DIAGNOSTIC_TIMEOUT_MS = 30_000;
export const DEFAULT_OUTPUT_CAP_BYTES = 16_384;

/**
 * Runs the diagnostics a model asked for, one after another. Each command passes
 * `checkDiagnostic` first; a refused one is recorded with its reason and never run. Output is
 * capped, redacted, returned and saved to `<logDir>/<stage>_<YYYYMMDD-HHMMSS>_<n>.txt`.
 */
export async function runDiagnostics(
  commands: DiagnosticRequest[],
  opts: RunDiagnosticsOptions,
): Promise<DiagnosticResult[]> {
  await mkdir(opts.logDir, { recursive: true });
  const stamp = fileStamp((opts.now ?? (() => new Date()))());
  const results: DiagnosticResult[] = [];
  for (const [index, request] of commands.entries()) {
    const result = await runOne(request, opts);
    result.logFile = await saveLog(opts, stamp, index + 1, result);
    results.push(result);
  }
  return results;
}

async function runOne(request: DiagnosticRequest, opts: RunDiagnosticsOptions): Promise<DiagnosticResult> {
  const base: DiagnosticResult = { command: request.command, verdict: "refused" };
  if (request.why !== undefined) {
    base.why = request.why;
  }
  const decision = checkDiagnostic(request.command, opts.allowedPrefixes);
  if (decision.verdict === "refused") {
    return { ...base, verdict: "refused", reason: decision.reason };
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DIAGNOSTIC_TIMEOUT_MS;
  // Stdin closed, its own process group, killed with everything it started when it ends or times out.
  const run = await runProcess(decision.argv, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    timeoutMs,
    output: { mode: "capped", capBytes: opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP_BYTES, tailLines: 0 },
    killGraceMs: opts.killGraceMs ?? 2000,
  });
  const ran: DiagnosticResult = {
    ...base,
    verdict: "ran",
    exitCode: run.exitCode,
    output: opts.redactor.redact(run.interleaved),
    outputBytes: run.outputBytes,
    truncated: run.truncated,
    durationMs: run.durationMs,
  };
  if (run.startError !== undefined) {
    return { ...ran, verdict: "failed_to_start", reason: run.startError };
  }
  if (run.timedOut) {
    return {
      ...ran,
      verdict: "timed_out",
      reason: `did not finish within ${formatSeconds(timeoutMs)}; it and everything it started were killed`,
    };
  }
  return ran;
}

/** Writes the record of one diagnostic; a name already taken (two batches in one second) moves to the next n. */
async function saveLog(opts: RunDiagnosticsOptions, stamp: string, n: number, result: DiagnosticResult) {
  const text = logText(opts.redactor, result);
  for (let attempt = n; ; attempt += 1000) {
    const file = join(opts.logDir, `${opts.stage}_${stamp}_${attempt}.txt`);
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(text, "utf8");
      } finally {
        await handle.close();
      }
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw error;
      }
    }
  }
}

function logText(redactor: Redactor, result: DiagnosticResult): string {
  const lines = [`# command: ${redactor.redact(result.command)}`];
  if (result.why !== undefined) {
    lines.push(`# why: ${redactor.redact(result.why)}`);
  }
  const exit = result.exitCode === undefined ? "" : ` (exit ${result.exitCode ?? "none, killed"})`;
  lines.push(`# verdict: ${result.verdict}${exit}${result.reason ? `: ${result.reason}` : ""}`);
  if (result.durationMs !== undefined) {
    lines.push(`# duration: ${result.durationMs} ms`);
  }
  if (result.outputBytes !== undefined) {
    lines.push(`# output: ${result.outputBytes} bytes${result.truncated ? ", cut to head and tail" : ""}`);
  }
  return `${lines.join("\n")}\n${result.output ?? ""}${result.output?.endsWith("\n") === false ? "\n" : ""}`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

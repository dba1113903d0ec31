import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import { formatDuration } from "../core/duration/index.ts";
// The selector and the noise filter themselves, not the fingerprint's index: that loads the
// template miner and its schema, which a green run's progress lines never need.
import { cleanLogLines, TAIL_LINES } from "../core/fingerprint/noise.ts";
import { chooseErrorLines } from "../core/fingerprint/select.ts";
import { stripControls } from "../core/text/index.ts";
import type { Reporter } from "../reconcile/index.ts";
import type { OutputStream } from "./io.ts";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const PLAIN_LINE_CHARS = 200;

/**
 * On a terminal: one live line per running stage (spinner, elapsed time, last output line),
 * replaced by a result line when it ends. Elsewhere (CI, pipes): plain, shortened lines.
 */
export function terminalReporter(stream: OutputStream): Reporter {
  return stream.isTTY ? liveReporter(stream) : plainReporter(stream);
}

function plainReporter(stream: OutputStream): Reporter {
  const output = new RecentOutput();
  return {
    stageStarted(stage, attempt, command) {
      output.clear();
      stream.write(`[${shown(stage)}] run ${attempt}: ${shown(firstLine(command))}\n`);
    },
    line(stage, text) {
      output.add(text);
      stream.write(`[${shown(stage)}]   ${shorten(shown(text), PLAIN_LINE_CHARS)}\n`);
    },
    stageFinished(stage, result) {
      stream.write(`[${shown(stage)}] ${resultLine(result)}\n`);
      if (!result.green) {
        for (const line of output.failingLines()) {
          stream.write(`[${shown(stage)}]   > ${shorten(shown(line), PLAIN_LINE_CHARS)}\n`);
        }
      }
    },
    note(stage, text) {
      stream.write(`[${shown(stage)}] ${shown(text)}\n`);
    },
  };
}

function liveReporter(stream: OutputStream): Reporter {
  const output = new RecentOutput();
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let started = 0;
  let lastLine = "";
  let label = "";
  const draw = () => {
    const width = Math.max(40, (stream.columns ?? 100) - 1);
    const head = `${SPINNER[frame++ % SPINNER.length]} ${label} ${formatDuration(Date.now() - started)}  `;
    stream.write(`\r\x1b[2K${shorten(head + lastLine, width)}`);
  };
  const clear = () => {
    clearInterval(timer);
    timer = undefined;
    stream.write("\r\x1b[2K");
  };
  return {
    stageStarted(stage, attempt) {
      label = `${shown(stage)} (run ${attempt})`;
      output.clear();
      started = Date.now();
      lastLine = "";
      timer = setInterval(draw, 100);
      timer.unref();
      draw();
    },
    line(_stage, text) {
      output.add(text);
      lastLine = shown(text).trim() || lastLine;
    },
    stageFinished(stage, result) {
      clear();
      stream.write(`${result.green ? "✔" : "✖"} ${shown(stage)}: ${resultLine(result)}\n`);
      if (!result.green) {
        const width = Math.max(40, (stream.columns ?? 100) - 1);
        for (const line of output.failingLines()) {
          stream.write(`    ${shorten(shown(line), width - 4)}\n`);
        }
      }
    },
    note(stage, text) {
      if (timer) {
        stream.write("\r\x1b[2K");
      }
      stream.write(`  ${shown(stage)}: ${shown(text)}\n`);
    },
  };
}

function resultLine(result: StageRunResult): string {
  const took = formatDuration(result.process.durationMs);
  return result.green
    ? `green in ${took} (${shown(result.logFile)})`
    : `${shown(result.summary)} after ${took} (${shown(result.logFile)})`;
}

/**
 * Text from outside (stage output, a summary, a stage's name) as one inert line: no escape
 * sequence reaches the terminal (a screen clear, an OSC 52 clipboard write, a title change).
 */
function shown(text: string): string {
  return stripControls(text).replace(/\n+/g, " ");
}

function firstLine(command: string): string {
  const lines = command.trim().split("\n");
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? "");
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The last lines a stage printed, kept so a failed run can show its failing lines under the
 * result: the same lines the fingerprint picks (src/core/fingerprint chooseErrorLines on the
 * cleaned tail), so what the terminal shows is what the loop counts the error by.
 */
class RecentOutput {
  private lines: string[] = [];

  clear(): void {
    this.lines = [];
  }

  add(text: string): void {
    this.lines.push(text);
    if (this.lines.length > TAIL_LINES * 2) {
      this.lines = this.lines.slice(-TAIL_LINES);
    }
  }

  failingLines(): string[] {
    const cleaned = cleanLogLines(this.lines.slice(-TAIL_LINES).join("\n"));
    return chooseErrorLines(cleaned).map((chosen) => stripControls(chosen.line));
  }
}

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runInProcess } from "../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import type { StageRunResult } from "../adapters/stage-runner/index.ts";
import type { OutputStream } from "./io.ts";
import { terminalReporter } from "./progress.ts";

/** What a hostile stage prints: an OSC 52 clipboard write, a screen clear, a title change, a NUL. */
const HOSTILE = "\\033]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\007\\033[2J\\033[H\\033]0;pwned\\007\\000hello";

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for exactly these
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

function sink(isTTY: boolean): { stream: OutputStream; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString("utf8"));
        done();
      },
    }),
    { isTTY, columns: 120 },
  );
  return { stream, text: () => chunks.join("") };
}

const RESULT = {
  logFile: "ai/logs/apps/apps_1.log",
  process: { durationMs: 1200 },
  green: false,
  summary: "check failed: \u001b]52;c;ZXZpbA==\u0007\u001b[2Jboom",
} as unknown as StageRunResult;

describe("what a stage prints reaches the terminal inert", () => {
  it("drops escape sequences and control characters from a real stage's output, keeping its words", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(`  apps:\n    command: printf '${HOSTILE}\\n'; exit 1`),
    });
    const result = await runInProcess(["apps"], repo);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("[apps]   hello");
    expect(result.stdout).not.toMatch(CONTROLS);
    expect(result.stderr).not.toMatch(CONTROLS);
  });

  it("on a live terminal, writes no escape of the stage's own, only its line clears", () => {
    const out = sink(true);
    const reporter = terminalReporter(out.stream);
    reporter.stageStarted("apps", 1, "make apps");
    reporter.line("apps", "\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u0000 applying");
    reporter.note("apps", "executor said \u001b[31mred\u001b[0m");
    reporter.stageFinished("apps", RESULT);
    const withoutOwnClears = out.text().replaceAll("\r\u001b[2K", "");
    expect(withoutOwnClears).not.toMatch(CONTROLS);
    expect(withoutOwnClears).toContain("check failed: boom");
    expect(withoutOwnClears).toContain("executor said red");
  });

  it("in a pipe, prints every line, summary and note as one plain line", () => {
    const out = sink(false);
    const reporter = terminalReporter(out.stream);
    reporter.stageStarted("apps", 1, "make apps");
    reporter.line("apps", "first\u001b[2K\rsecond");
    reporter.note("apps", "\u001b]0;title\u0007note");
    reporter.stageFinished("apps", RESULT);
    expect(out.text()).not.toMatch(CONTROLS);
    expect(out.text().split("\n")).toEqual([
      "[apps] run 1: make apps",
      "[apps]   first second",
      "[apps] note",
      "[apps] check failed: boom after 1.2s (ai/logs/apps/apps_1.log)",
      // the failing lines under a failed stage (a carriage return overwrote "first", as on a terminal)
      "[apps]   > second",
      "",
    ]);
  });
});

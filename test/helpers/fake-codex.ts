/**
 * A stand-in `codex` executable for tests: put `dir` first on PATH. It records the argv it got
 * (`argsFile`, one JSON array per run), then does what the real `codex exec --json` would do for
 * the scripted behaviour: print JSONL events, edit files under its `-C` folder, write the `-o`
 * last-message file, or hang until killed.
 *
 *   const fake = writeFakeCodex({ edits: { "config/clusters/prox-n100.yaml": "..." }, message: "fixed" });
 *   env.PATH = `${fake.dir}:${process.env.PATH}`;
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeCodexBehaviour {
  /** Files to write, relative to the `-C` folder, with their new text. */
  edits?: Record<string, string>;
  /** The agent's last message. */
  message?: string;
  /** Sleep forever (the executor's time limit must end it, with its children). */
  hang?: boolean;
  exitCode?: number;
}

export interface FakeCodex {
  dir: string;
  argsFile: string;
  /** The argv of each run so far (without the program name). */
  runs(): string[][];
}

export function writeFakeCodex(behaviour: FakeCodexBehaviour): FakeCodex {
  const dir = mkdtempSync(join(tmpdir(), "fake-codex-"));
  const argsFile = join(dir, "args.jsonl");
  const script = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");
const behaviour = ${JSON.stringify(behaviour)};
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args) + "\\n");
const value = (flag) => { const i = args.indexOf(flag); return i === -1 ? undefined : args[i + 1]; };
const root = value("-C") ?? process.cwd();
const emit = (event) => process.stdout.write(JSON.stringify(event) + "\\n");
emit({ type: "thread.started", thread_id: "0199-fake" });
emit({ type: "turn.started" });
if (behaviour.hang) {
  // A child in the same process group, as a real agent's shell would have.
  spawn("sleep", ["600"], { stdio: "ignore" });
  setInterval(() => {}, 1000);
} else {
  for (const [file, text] of Object.entries(behaviour.edits ?? {})) {
    const command = "apply edit to " + file;
    emit({ type: "item.started", item: { id: "item_1", type: "command_execution", command, status: "in_progress" } });
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
    emit({ type: "item.completed", item: { id: "item_1", type: "command_execution", command, aggregated_output: "", exit_code: 0, status: "completed" } });
  }
  const message = behaviour.message ?? "done";
  emit({ type: "item.completed", item: { id: "item_2", type: "agent_message", text: message } });
  const out = value("-o");
  if (out) fs.writeFileSync(out, message);
  emit({ type: "turn.completed", usage: { input_tokens: 1200, cached_input_tokens: 0, output_tokens: 80 } });
  process.exit(behaviour.exitCode ?? 0);
}
`;
  const program = join(dir, "codex");
  writeFileSync(program, script);
  chmodSync(program, 0o755);
  return {
    dir,
    argsFile,
    runs: () =>
      existsSync(argsFile)
        ? readFileSync(argsFile, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as string[])
        : [],
  };
}

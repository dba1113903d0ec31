import type { Readable, Writable } from "node:stream";
import type { Command } from "commander";
import type { TemplateMiner } from "../../core/fingerprint/index.ts";
import { UserError } from "../../errors/index.ts";

/** Where the loop keeps the miner's learned templates; the commands read it and never write it. */
const MINER_STATE_PATH = "ai/state/templates.json";
/** Output is written in blocks of about this size: one write per line would dominate the run time. */
const OUTPUT_BLOCK_BYTES = 1 << 20;

export function registerFingerprintCommands(program: Command): void {
  program
    .command("fingerprint")
    .description("print the error fingerprint (template hash) of a log file's tail")
    .argument("<file>", "log file, or - for standard input")
    .option("--explain", "show the chosen lines, their templates and both hashes")
    .option("--json", "print the whole fingerprint as JSON")
    .action(async (file: string, options: { explain?: boolean; json?: boolean }) => {
      const { fingerprintLogTail } = await import("../../core/fingerprint/index.ts");
      const tail = file === "-" ? await readStreamTail(process.stdin) : await readTailOf(file);
      const miner = await loadMinerReadOnly();
      const fingerprint = fingerprintLogTail(tail, miner);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(fingerprint)}\n`);
      } else if (options.explain) {
        const rows = fingerprint.lines.map(
          (line, k) => `  line:     ${line}\n  template: ${fingerprint.templates[k] ?? ""}\n`,
        );
        process.stdout.write(
          `template hash: ${fingerprint.template}\nexact hash:    ${fingerprint.exact}\n` +
            `chosen lines (${fingerprint.lines.length}):\n${rows.join("")}`,
        );
      } else {
        process.stdout.write(`${fingerprint.template}\n`);
      }
    });

  program
    .command("templates")
    .description("group messages by template: one JSON object per input line (stdin without FILE)")
    .argument("[file]", "one message per line")
    .action(async (file: string | undefined) => {
      const { TemplateMiner } = await import("../../core/fingerprint/index.ts");
      const input = file === undefined || file === "-" ? process.stdin : await openForReading(file);
      await writeTemplates(input, process.stdout, new TemplateMiner());
    });
}

async function readTailOf(file: string): Promise<string> {
  const { readLogTail } = await import("../../adapters/log-tail/index.ts");
  try {
    return await readLogTail(file);
  } catch (error) {
    throw userErrorForFile(file, error);
  }
}

function userErrorForFile(file: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return new UserError(`${file}: no such file`);
  }
  if (code === "EISDIR") {
    return new UserError(`${file}: is a directory, not a log file`);
  }
  if (code === "EACCES" || code === "EPERM") {
    return new UserError(`${file}: permission denied`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function openForReading(file: string): Promise<Readable> {
  const { open } = await import("node:fs/promises");
  try {
    const handle = await open(file, "r");
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw Object.assign(new Error("directory"), { code: "EISDIR" });
    }
    return handle.createReadStream();
  } catch (error) {
    throw userErrorForFile(file, error);
  }
}

/** Standard input kept to its last few MiB: enough for any tail, bounded for any input. */
async function readStreamTail(input: Readable, keepBytes = 4 * 1024 * 1024): Promise<string> {
  let kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    kept.push(buffer);
    size += buffer.length;
    if (size > keepBytes * 2) {
      const joined = Buffer.concat(kept);
      kept = [joined.subarray(joined.length - keepBytes)];
      size = keepBytes;
    }
  }
  const all = Buffer.concat(kept);
  return all.subarray(Math.max(0, all.length - keepBytes)).toString("utf8");
}

async function loadMinerReadOnly(): Promise<TemplateMiner> {
  const { TemplateMiner } = await import("../../core/fingerprint/index.ts");
  const { readFile } = await import("node:fs/promises");
  try {
    return TemplateMiner.fromJSON(JSON.parse(await readFile(MINER_STATE_PATH, "utf8")));
  } catch {
    return new TemplateMiner();
  }
}

/**
 * Run `input` through the miner, then print one JSON object per line, in order, with the group
 * each line ended up in (a later line can widen a template and merge groups, and every line
 * reports the final answer, as the benchmark scores it). Lines are masked where they lie in the
 * input chunk, and output is assembled as bytes in large blocks from one encoded tail per
 * group: at a million lines a second, `readline`, per-line strings and per-line writes would be
 * most of the run.
 */
export async function writeTemplates(
  input: Readable,
  output: Writable,
  miner: TemplateMiner,
): Promise<number> {
  input.setEncoding("utf8");
  let handles = new Int32Array(1 << 16);
  let count = 0;
  const learn = (text: string, start: number, end: number) => {
    if (count === handles.length) {
      const grown = new Int32Array(handles.length * 2);
      grown.set(handles);
      handles = grown;
    }
    const last = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    handles[count++] = miner.learn(text, start, last);
  };
  let pending = "";
  for await (const chunk of input) {
    const text = pending + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      learn(text, start, nl);
      start = nl + 1;
    }
    pending = text.slice(start);
  }
  if (pending.length > 0) {
    learn(pending, 0, pending.length);
  }

  const tailOfHandle = new Map<number, Buffer>();
  let block = Buffer.allocUnsafe(OUTPUT_BLOCK_BYTES);
  let used = 0;
  for (let k = 0; k < count; k++) {
    const handle = handles[k] as number;
    let tail = tailOfHandle.get(handle);
    if (tail === undefined) {
      const { template, group } = miner.resolve(handle);
      tail = Buffer.from(`,"template":${JSON.stringify(template)},"group":"${group}"}\n`);
      tailOfHandle.set(handle, tail);
    }
    if (used + LINE_HEAD.length + 16 + tail.length > block.length) {
      if (used > 0) {
        await writeBlock(output, block.subarray(0, used));
      }
      block = Buffer.allocUnsafe(Math.max(OUTPUT_BLOCK_BYTES, tail.length + 64));
      used = 0;
    }
    LINE_HEAD.copy(block, used);
    used += LINE_HEAD.length;
    used = writeDecimal(block, used, k + 1);
    used += tail.copy(block, used);
  }
  if (used > 0) {
    await writeBlock(output, block.subarray(0, used));
  }
  return count;
}

/** Write `value`'s decimal digits at `at`; returns the offset after them. */
function writeDecimal(bytes: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) {
    digits++;
  }
  let rest = value;
  for (let k = at + digits - 1; k >= at; k--) {
    bytes[k] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

const LINE_HEAD = Buffer.from('{"line":');

async function writeBlock(output: Writable, bytes: Buffer): Promise<void> {
  if (!output.write(bytes)) {
    await new Promise<void>((resolve) => output.once("drain", resolve));
  }
}

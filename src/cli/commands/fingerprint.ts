import { open } from "node:fs/promises";
import { resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { readLogTail } from "../../adapters/log-tail/index.ts";
import { StateStore } from "../../adapters/state-store/index.ts";
import { locateRepoRoot } from "../../config/repo-root.ts";
import { fingerprintLogTail, TemplateMiner } from "../../core/fingerprint/index.ts";
import { UserError } from "../../errors/index.ts";
import type { CliIO } from "../io.ts";

/** Output is written in blocks of about this size: one write per line would dominate the run time. */
const OUTPUT_BLOCK_BYTES = 1 << 20;

/** `orchestrator fingerprint FILE [--explain | --json]`: the template hash of a log's tail. */
export async function run(
  [file]: [string],
  options: { explain?: boolean; json?: boolean },
  io: CliIO,
): Promise<number> {
  const tail = file === "-" ? await readStreamTail(io.stdin) : await readTailOf(resolve(io.cwd, file), file);
  const fingerprint = fingerprintLogTail(tail, await loadMinerReadOnly(io));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(fingerprint)}\n`);
  } else if (options.explain) {
    const rows = fingerprint.lines.map(
      (line, k) => `  line:     ${line}\n  template: ${fingerprint.templates[k] ?? ""}\n`,
    );
    io.stdout.write(
      `template hash: ${fingerprint.template}\nexact hash:    ${fingerprint.exact}\n` +
        `chosen lines (${fingerprint.lines.length}):\n${rows.join("")}`,
    );
  } else {
    io.stdout.write(`${fingerprint.template}\n`);
  }
  return 0;
}

async function readTailOf(path: string, file: string): Promise<string> {
  try {
    return await readLogTail(path);
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

/** A file's lines as a stream, or a user error naming the file. */
export async function openForReading(path: string, file: string): Promise<Readable> {
  try {
    const handle = await open(path, "r");
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

/**
 * The templates the loop learned in the homelab repo around the working folder (read as the loop
 * reads them, never written), so a hash printed here is the one the loop computes; outside a
 * homelab repo an empty miner, so a benchmark never learns from an earlier run.
 */
async function loadMinerReadOnly(io: CliIO): Promise<TemplateMiner> {
  const repoRoot = locateRepoRoot(io.cwd);
  if (repoRoot === undefined) {
    return new TemplateMiner();
  }
  const state = new StateStore(repoRoot, { readOnly: true });
  const miner = TemplateMiner.fromJSON(await state.readJsonFile("templates"));
  for (const warning of state.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
  }
  return miner;
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

/**
 * `npm run bench:fingerprint`: grouping accuracy on Loghub-2k, the labelled pairs of the real
 * error-line corpus, miner throughput, and the cost of fingerprinting a 1 GiB log's
 * tail against a 1 MiB one.
 */
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { readLogTail } from "../src/adapters/log-tail/index.ts";
import { runProcess } from "../src/adapters/process/index.ts";
import { writeTemplates } from "../src/cli/commands/fingerprint.ts";
import { fingerprintLogTail, TemplateMiner } from "../src/core/fingerprint/index.ts";
import { REAL_LINES } from "../test/fixtures/error-lines/index.ts";
import { scoreCorpus } from "../test/fixtures/error-lines/score.ts";
import { readLabelled, SYSTEMS, scoreGrouping, VARIANTS, variantAvailable } from "./fingerprint-loghub.ts";

const THROUGHPUT_LINES = 1_000_000;
const THROUGHPUT_RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const TAIL_RUNS = 30;
const SPAWN_RUNS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function groupsOf(contents: readonly string[]): string[] {
  const miner = new TemplateMiner();
  const handles = contents.map((line) => miner.learn(line));
  return handles.map((handle) => miner.resolve(handle).group);
}

function accuracyTables(dir: string): string[][] {
  const corpora: string[][] = [];
  for (const variant of VARIANTS) {
    console.log(`\nGrouping accuracy, ${variant.name}`);
    console.log(
      `${"system".padEnd(12)} ${"GA".padStart(6)} ${"FGA".padStart(6)} ${"groups".padStart(7)} ${"truth".padStart(6)}`,
    );
    const gas: number[] = [];
    const fgas: number[] = [];
    for (const system of SYSTEMS) {
      if (!variantAvailable(dir, variant, system)) {
        continue;
      }
      const { contents, labels } = readLabelled(variant.file(dir, system), variant.label);
      if (variant === VARIANTS[0]) {
        corpora.push(contents);
      }
      const score = scoreGrouping(groupsOf(contents), labels);
      gas.push(score.ga);
      fgas.push(score.fga);
      console.log(
        `${system.padEnd(12)} ${score.ga.toFixed(3).padStart(6)} ${score.fga.toFixed(3).padStart(6)} ` +
          `${String(score.predictedGroups).padStart(7)} ${String(score.trueGroups).padStart(6)}`,
      );
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    console.log(
      `${"average".padEnd(12)} ${mean(gas).toFixed(3).padStart(6)} ${mean(fgas).toFixed(3).padStart(6)}` +
        `   (${gas.length} systems, lowest GA ${Math.min(...gas).toFixed(3)})`,
    );
  }
  return corpora;
}

function millionLines(corpora: string[][]): string[] {
  const one = corpora.flat();
  const lines: string[] = [];
  while (lines.length < THROUGHPUT_LINES) {
    lines.push(...one);
  }
  return lines;
}

async function throughput(lines: string[], once: string[]): Promise<void> {
  const firstPass: number[] = [];
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    const miner = new TemplateMiner();
    const start = process.hrtime.bigint();
    for (const line of once) {
      miner.add(line);
    }
    firstPass.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const inProcess: number[] = [];
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    const miner = new TemplateMiner();
    const start = process.hrtime.bigint();
    for (const line of lines) {
      miner.add(line);
    }
    inProcess.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const text = `${lines.join("\n")}\n`;
  const commandPath: number[] = [];
  let outputBytes = 0;
  for (let run = 0; run < THROUGHPUT_RUNS; run++) {
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        outputBytes += chunk.length;
        done();
      },
    });
    const input = Readable.from(chunksOf(text, 64 * 1024));
    const start = process.hrtime.bigint();
    await writeTemplates(input, sink, new TemplateMiner());
    commandPath.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const spawned = await spawnedTemplates(text);
  const rate = (seconds: number, count = lines.length) => Math.round(count / seconds).toLocaleString("en-US");
  console.log(
    `\nThroughput on ${lines.length.toLocaleString("en-US")} lines (16 systems repeated), median of ${THROUGHPUT_RUNS}`,
  );
  console.log(`  miner.add in process:               ${rate(median(inProcess))} lines/s`);
  console.log(
    `  templates command path (JSON out):  ${rate(median(commandPath))} lines/s ` +
      `(${Math.round(outputBytes / THROUGHPUT_RUNS / 1e6)} MB of output per run)`,
  );
  if (spawned.length > 0) {
    console.log(
      `  orchestrator templates FILE >/dev/null, spawned (start-up included): ${rate(median(spawned))} lines/s`,
    );
  }
  console.log(
    `  first pass only (${once.length.toLocaleString("en-US")} lines, fresh miner, every template new): ` +
      `${rate(median(firstPass), once.length)} lines/s`,
  );
}

/** Wall time of the real command as a child process; skipped when the CLI is not built. */
async function spawnedTemplates(text: string): Promise<number[]> {
  const cli = resolve(process.cwd(), "bin", "orchestrator");
  const main = resolve(process.cwd(), "dist", "src", "cli", "main.js");
  const { existsSync } = await import("node:fs");
  if (!existsSync(cli) || !existsSync(main)) {
    return [];
  }
  const dir = await mkdtemp(join(tmpdir(), "fingerprint-templates-"));
  const file = join(dir, "messages.txt");
  await writeFile(file, text);
  const times: number[] = [];
  try {
    for (let run = 0; run < SPAWN_RUNS; run++) {
      const start = process.hrtime.bigint();
      // Output is read and dropped (a few KiB kept to explain a failure), as `>/dev/null` would.
      const result = await runProcess([process.execPath, cli, "templates", file], {
        cwd: process.cwd(),
        env: process.env,
        output: { mode: "capped", capBytes: 4096, tailLines: 0 },
      });
      times.push(Number(process.hrtime.bigint() - start) / 1e9);
      const code = result.startFailure ? result.startFailure.message : result.exitCode;
      if (code !== 0) {
        console.log(`  (orchestrator templates ended with ${code}: spawned timing left out)`);
        return [];
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return times;
}

function* chunksOf(text: string, size: number): Generator<string> {
  for (let k = 0; k < text.length; k += size) {
    yield text.slice(k, k + size);
  }
}

async function tailCost(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "fingerprint-bench-"));
  try {
    const ending = Array.from(
      { length: 300 },
      (_, k) =>
        `2025-11-25T17:02:${String(k % 60).padStart(2, "0")}Z error: dial tcp 10.0.0.${k % 250}:50000: i/o timeout`,
    ).join("\n");
    const timeTail = async (size: number): Promise<number> => {
      const file = join(dir, `log-${size}`);
      await writeFile(file, "start\n");
      await truncate(file, size - ending.length - 1); // sparse: costs no disk and no time to make
      const { appendFile } = await import("node:fs/promises");
      await appendFile(file, `\n${ending}`);
      const times: number[] = [];
      for (let run = 0; run < TAIL_RUNS; run++) {
        const start = process.hrtime.bigint();
        fingerprintLogTail(await readLogTail(file), new TemplateMiner());
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      await rm(file);
      return median(times);
    };
    const small = await timeTail(1024 ** 2);
    const large = await timeTail(1024 ** 3);
    console.log(`\nFingerprint of a log's tail (read from the end), median of ${TAIL_RUNS}`);
    console.log(`  1 MiB log: ${small.toFixed(2)} ms`);
    console.log(`  1 GiB log: ${large.toFixed(2)} ms   (${(large / small).toFixed(2)}x the 1 MiB time)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The fingerprint on real talosctl, kubectl, Flux, Proxmox and cloudflared error lines. */
function realErrorCorpus(): void {
  const score = scoreCorpus();
  console.log(`\nReal error corpus (${REAL_LINES.length} real lines, test/fixtures/error-lines)`);
  console.log(
    `real error corpus: same-pairs grouped ${score.sameGrouped}/${score.sameTotal}, ` +
      `different-pairs apart ${score.differentApart}/${score.differentTotal}`,
  );
  console.log(
    `  lines whose fingerprint changed once the miner had learned the corpus: ${score.unstable.length}`,
  );
  for (const failure of score.failures) {
    console.log(`  wrong: ${failure.pair.label} ${failure.pair.a} / ${failure.pair.b} (${failure.pair.why})`);
  }
}

async function main(): Promise<void> {
  const dir = resolve(process.env["LOGHUB_DIR"] ?? join(process.cwd(), "..", "shared", "bench", "loghub-2k"));
  let corpora: string[][] = [];
  if (variantAvailable(dir, VARIANTS[0] ?? { name: "", file: () => "", label: "EventId" }, "HDFS")) {
    corpora = accuracyTables(dir);
  } else {
    console.log(`Loghub-2k not found at ${dir} (set LOGHUB_DIR): skipping grouping accuracy and throughput.`);
  }
  realErrorCorpus();
  if (corpora.length > 0) {
    await throughput(millionLines(corpora), corpora.flat());
  }
  await tailCost();
}

await main();

/**
 * `npm run bench:redaction`: how many of the corpus's secret formats each channel catches, and
 * the redactor's throughput on 100 MB of ordinary operations output with secrets in it and on
 * each adversarial input. BENCH_MB and BENCH_RUNS scale it down for a quick look.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHANNELS, leakedThrough } from "../src/adapters/secret-values/channels.ts";
import { ADVERSARIAL_INPUTS } from "../src/core/redaction/adversarial.ts";
import { SECRET_CORPUS } from "../src/core/redaction/corpus.ts";
import { Redactor } from "../src/core/redaction/index.ts";

const MB = 1024 * 1024;
const SIZE_MB = Number(process.env["BENCH_MB"] ?? 100);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Operations output as a homelab produces it, with one corpus sample every 50 lines. */
function realisticText(size: number): string {
  const lines = [
    '10.0.0.11: user: warning: [2025-01-15T10:23:50.987654321Z]: [talos] task startAllServices (1/1): service "etcd" to be "up"',
    "flux-system   helm-controller-5f7c9d8b4-x2x9z                1/1     Running            0             3d4h",
    '{"level":"error","ts":"2025-01-15T10:31:02.123Z","msg":"Reconciliation failed","controller":"kustomization","name":"apps","revision":"main@sha1:4f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"}',
    "E0115 10:23:45.123456       1 reflector.go:147] Failed to watch *v1.Secret: secrets is forbidden",
    "task UPID:pve:0000A1B2:0012C3D4:65A1B2C3:qmcreate:101:root@pam!orchestrator: OK",
    "Image:         docker.io/cloudflare/cloudflared:2024.12.2@sha256:4bd6e1d9de2f0e3e53b09d0c51da0a3fd3e0a8d7f2c84e6b4f2b0e0e06b3d3c1",
  ];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line =
      i % 50 === 49
        ? (SECRET_CORPUS[((i / 50) % SECRET_CORPUS.length) | 0]?.text ?? "")
        : (lines[i % lines.length] ?? "");
    parts.push(line);
    length += line.length + 1;
  }
  return parts.join("\n");
}

/**
 * Wall-clock and CPU-time throughput. On a shared machine the wall clock also counts the time
 * other processes held the CPU; the process's own CPU time (user + system) does not.
 */
function throughput(
  text: string,
  runs: number,
): { mbPerSecond: number; seconds: number; cpuMbPerSecond: number } {
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const redactor = new Redactor({ knownSecrets: ["a-known-secret-value-0001", "hunter2-Correct-Horse"] });
    const cpuStarted = process.cpuUsage();
    const started = process.hrtime.bigint();
    redactor.redact(text);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    const cpu = process.cpuUsage(cpuStarted);
    cpuTimes.push((cpu.user + cpu.system) / 1e6);
  }
  const seconds = median(times);
  return {
    mbPerSecond: text.length / MB / seconds,
    seconds,
    cpuMbPerSecond: text.length / MB / median(cpuTimes),
  };
}

async function main(): Promise<void> {
  console.log(`Secret formats caught per channel (corpus of ${SECRET_CORPUS.length})`);
  const scratch = await mkdtemp(join(tmpdir(), "bench-redaction-"));
  try {
    for (const channel of Object.keys(CHANNELS)) {
      const leaked = await leakedThrough(channel, SECRET_CORPUS, scratch);
      const caught = SECRET_CORPUS.length - leaked.length;
      console.log(`${channel}: formats caught ${caught}/${SECRET_CORPUS.length}`);
      for (const sample of leaked) {
        console.log(`  leaked: ${sample.name}`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const size = SIZE_MB * MB;
  const realistic = realisticText(size);
  const result = throughput(realistic, RUNS);
  console.log(
    `\nthroughput, ${SIZE_MB} MB of operations output with secrets: ${result.mbPerSecond.toFixed(1)} MB/s wall clock, ${result.cpuMbPerSecond.toFixed(1)} MB/s of CPU time (median of ${RUNS}, ${result.seconds.toFixed(2)} s)`,
  );
  console.log(`\nadversarial inputs, ${SIZE_MB} MB each (1 run):`);
  for (const input of ADVERSARIAL_INPUTS) {
    const text = input.build(size);
    const { mbPerSecond, seconds, cpuMbPerSecond } = throughput(text, 1);
    console.log(
      `${input.name.padEnd(56)} ${mbPerSecond.toFixed(1).padStart(6)} MB/s wall ${cpuMbPerSecond.toFixed(1).padStart(6)} MB/s CPU  ${seconds.toFixed(2)} s`,
    );
  }
}

await main();

/**
 * `npm run bench:lab`: one six-stage run (`orchestrator all`) of a fault-free homelab against the
 * sandbox lab, as `orchestrator qualify` runs each fault: wall time, and the CPU time of every
 * process it started (Linux: the children's user+system time from /proc/self/stat), which the
 * load of a shared machine does not change. The goal: at most 30 s on two cores.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { runFault } from "../src/qualify/run-fault.ts";

function childCpuSeconds(): number {
  // Fields 16 and 17 (cutime, cstime) after the command name in parentheses, in clock ticks (100/s).
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

const runs = Number(process.argv[2] ?? 1);
for (let index = 1; index <= runs; index++) {
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  const result = await runFault(
    { id: "no-fault", stage: "vms", class: "transient", description: "a fault-free homelab" },
    { env: { ...process.env, EXECUTOR: "playbook", OPENAI_API_KEY: "" } },
  );
  const wall = (performance.now() - started) / 1000;
  const cpu = childCpuSeconds() - cpuBefore;
  console.log(
    `six-stage run ${index}: ${result.ending}, ${result.stageRuns} stage runs, wall ${wall.toFixed(1)} s, ` +
      `CPU of its processes ${cpu.toFixed(1)} s (${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)})`,
  );
}

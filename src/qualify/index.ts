/**
 * `orchestrator qualify`: how autonomous is the tool with this executor and model? Each fault of
 * the library (faults.ts) runs in a throwaway repo against a private sandbox lab (run-fault.ts),
 * in parallel up to the machine's cores; the report (report.ts) counts what converged per class.
 */
import { availableParallelism } from "node:os";
import type { Fault } from "./faults.ts";
import { type QualifyReport, summarize } from "./report.ts";
import { type FaultResult, type RunFaultOptions, runFault } from "./run-fault.ts";

export { FAULTS, type Fault, type FaultClass, fixAsEdit, selectFaults } from "./faults.ts";
export { formatReport, type QualifyReport } from "./report.ts";
export type { FaultResult } from "./run-fault.ts";

export interface QualifyOptions {
  readonly faults: readonly Fault[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly executor: string;
  readonly model: string;
  /** At most this many faults at once; default the machine's cores. */
  readonly parallel?: number;
  /** Per-fault extra environment (a loopback model that knows the fix, in the bench). */
  readonly envFor?: (fault: Fault) => Promise<{ env: Record<string, string>; close(): Promise<void> }>;
  /** Called after each fault with the count done so far. */
  readonly progress?: (done: number, total: number, last: FaultResult) => void;
}

export async function runQualification(options: QualifyOptions): Promise<QualifyReport> {
  const started = performance.now();
  const queue = [...options.faults];
  const results = new Map<string, FaultResult>();
  const workers = Math.max(1, Math.min(options.parallel ?? availableParallelism(), queue.length));
  const worker = async () => {
    for (let fault = queue.shift(); fault !== undefined; fault = queue.shift()) {
      const extra = options.envFor ? await options.envFor(fault) : undefined;
      const runOptions: RunFaultOptions = { env: options.env, ...(extra ? { extraEnv: extra.env } : {}) };
      let result: FaultResult;
      try {
        result = await runFault(fault, runOptions);
      } catch (error) {
        result = {
          fault: fault.id,
          stage: fault.stage,
          class: fault.class,
          converged: false,
          ending: "failed",
          stageRuns: 0,
          executorRuns: 0,
          apiCalls: 0,
          escalations: 0,
          tokens: 0,
          seconds: 0,
          reason: `the qualification run failed: ${error instanceof Error ? error.message : String(error)}`,
        };
      } finally {
        await extra?.close();
      }
      results.set(fault.id, result);
      options.progress?.(results.size, options.faults.length, result);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const ordered = options.faults.flatMap((fault) => results.get(fault.id) ?? []);
  return {
    version: 1,
    finishedAt: new Date().toISOString(),
    executor: options.executor,
    model: options.model,
    results: ordered,
    summary: summarize(ordered, (performance.now() - started) / 1000),
  };
}

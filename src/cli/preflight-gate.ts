import { loadContextMap } from "../config/context-map.ts";
import { preflight } from "../preflight/index.ts";
import type { CliIO } from "./io.ts";

/**
 * Before anything runs: what would make every run fail the same way (uncommitted files the
 * stages need, init's files hidden by .gitignore, a missing tool), each said in one line.
 */
export async function preflightPasses(repoRoot: string, stage: string, io: CliIO): Promise<boolean> {
  const contextMap = await loadContextMap(repoRoot);
  const stages = stage === "all" ? Object.keys(contextMap.stages) : [stage];
  const report = await preflight(repoRoot, contextMap, stages, io.env);
  for (const warning of report.warnings) {
    io.stderr.write(`warning: ${warning}\n`);
  }
  for (const problem of report.problems) {
    io.stderr.write(`orchestrator: ${problem}\n`);
  }
  return report.problems.length === 0;
}

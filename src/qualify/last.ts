import { join } from "node:path";
import { readIfExists } from "../adapters/state-store/atomic-file.ts";
import { QUALIFY_REPORT_FILE } from "../core/repo-layout/index.ts";

/**
 * One line on the last qualification kept in the repo, for `status`; undefined when there is none.
 * Only node built-ins and one small file reader: `status` must start fast.
 */
export async function lastQualificationLine(repoRoot: string): Promise<string | undefined> {
  const text = await readIfExists(join(repoRoot, QUALIFY_REPORT_FILE));
  if (text === undefined) {
    return undefined;
  }
  let report: {
    finishedAt?: string;
    executor?: string;
    model?: string;
    summary?: { perClass?: Record<string, { converged: number; total: number }> };
  };
  try {
    report = JSON.parse(text);
  } catch {
    return `last qualification: ${QUALIFY_REPORT_FILE} is not valid JSON; run "orchestrator qualify" again`;
  }
  const classes = Object.entries(report.summary?.perClass ?? {})
    .filter(([, counts]) => counts.total > 0)
    .map(([kind, counts]) => `${kind} ${counts.converged}/${counts.total}`);
  return `last qualification (${report.finishedAt?.slice(0, 16).replace("T", " ") ?? "?"} UTC, executor ${report.executor ?? "?"}, model ${report.model ?? "?"}): converged ${classes.join(", ")}`;
}

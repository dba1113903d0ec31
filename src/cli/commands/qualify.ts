import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DEFAULT_OPENAI_MODEL } from "../../config/settings.ts";
import { QUALIFY_REPORT_FILE } from "../../core/repo-layout/index.ts";
import { UserError } from "../../errors/index.ts";
import { FAULTS, formatReport, runQualification, selectFaults } from "../../qualify/index.ts";
import type { CliIO } from "../io.ts";

/**
 * `orchestrator qualify [--faults a,b,…] [--json] [--parallel n]`: runs the fault library with the
 * executor and model configured in the environment (EXECUTOR, OPENAI_API_KEY, OPENAI_BASE_URL,
 * OPENAI_MODEL, EXECUTOR_*), each fault in a throwaway repo against a private sandbox lab, and
 * prints what converged. Exit 0 when every fault converged, 1 otherwise.
 */
export async function run(
  _args: [],
  options: { faults?: string; json?: boolean; parallel?: string },
  io: CliIO,
): Promise<number> {
  const ids = (options.faults ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
  const faults = selectFaults(ids);
  if ("unknown" in faults) {
    throw new UserError(
      `--faults: unknown fault ${faults.unknown.join(", ")}; the library has: ${FAULTS.map((fault) => fault.id).join(", ")}`,
    );
  }
  const parallel = options.parallel === undefined ? undefined : Number(options.parallel);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel > 0)) {
    throw new UserError(`--parallel "${options.parallel}": expected a whole number above 0`);
  }
  const env = io.env;
  const model = env["OPENAI_API_KEY"] ? (env["OPENAI_MODEL"] ?? DEFAULT_OPENAI_MODEL) : "none";
  const progress = io.stderr.isTTY
    ? (done: number, total: number, last: { fault: string; converged: boolean }) => {
        const width = 30;
        const filled = Math.round((done / total) * width);
        io.stderr.write(
          `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${last.fault} ${last.converged ? "converged" : "did not converge"}\x1b[K${done === total ? "\n" : ""}`,
        );
      }
    : (done: number, total: number, last: { fault: string; converged: boolean }) => {
        io.stderr.write(
          `qualify: ${done}/${total} ${last.fault}: ${last.converged ? "converged" : "did not converge"}\n`,
        );
      };
  io.stderr.write(`qualify: ${faults.length} faults, each in a throwaway repo against a private lab\n`);
  const report = await runQualification({
    faults,
    env,
    executor: env["EXECUTOR"] ?? "auto",
    model,
    ...(parallel === undefined ? {} : { parallel }),
    progress,
  });
  // Kept in the folder qualify ran in (the homelab repo, for `status`).
  const saved = join(io.cwd, QUALIFY_REPORT_FILE);
  await mkdir(dirname(saved), { recursive: true });
  await writeFile(saved, `${JSON.stringify(report, null, 2)}\n`);
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.results.every((row) => row.converged) ? 0 : 1;
}

#!/usr/bin/env node
// Runs vitest, then prints the plain closing line CI reads ("N passed, N failed"), and exits
// with vitest's own code. Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const folder = mkdtempSync(join(tmpdir(), "vitest-summary-"));
const output = join(folder, "results.json");
const run = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${output}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
let line = "tests: no results were written";
try {
  const results = JSON.parse(readFileSync(output, "utf8"));
  const skipped = results.numPendingTests + results.numTodoTests;
  line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`;
} catch {
  // vitest did not get as far as writing results; its own output says why
}
rmSync(folder, { recursive: true, force: true });
process.stdout.write(`\n${line}\n`);
process.exit(run.status ?? 1);

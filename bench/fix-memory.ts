/**
 * `npm run build && node dist/bench/fix-memory.js`: API requests and executor runs for the first
 * and the second occurrence of the same fault (the goal for the second is 0 and 0).
 */
import { runFixMemoryScenario } from "./fix-memory-scenario.ts";

const { first, second } = await runFixMemoryScenario();
const row = (name: string, counts: typeof first) =>
  `| ${name} | ${counts.apiRequests} | ${counts.executorRuns} | ${counts.replays} | ${counts.source} |`;
process.stdout.write(
  [
    "| occurrence | API requests | executor runs | replays | fixed by |",
    "|---|---|---|---|---|",
    row("first", first),
    row("second", second),
    "",
  ].join("\n"),
);

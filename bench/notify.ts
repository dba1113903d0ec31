/**
 * `npm run bench:notify`: how long a give_up takes to reach a webhook. A stage that always fails
 * gives up (no executor, no model); the notification goes to a generic JSON webhook played by a
 * loopback HTTP server. The figure is the time from the journal's `give_up` timestamp to the
 * request's arrival, median of a few runs, plus the request body's shape.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { git } from "../src/adapters/git/index.ts";
import { runProcess } from "../src/adapters/process/index.ts";

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/orchestrator");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);

async function homelab(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "bench-notify-"));
  const env = {
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  await git(["init", "-q", "-b", "main"], { cwd: root, env });
  mkdirSync(join(root, "ai"));
  writeFileSync(
    join(root, "ai", "context_map.yaml"),
    [
      "version: 1",
      "settings:",
      "  executor_retry_threshold: 1",
      "  api_call_budget: 0",
      "notify:",
      "  - name: bench",
      "    kind: webhook",
      "    url_env: BENCH_WEBHOOK_URL",
      "stages:",
      "  talos:",
      '    command: "echo \\"error: talos API not ready on 10.0.0.11\\" >&2; exit 1"',
      "",
    ].join("\n"),
  );
  await git(["add", "-A"], { cwd: root, env });
  await git(["commit", "-qm", "bench"], { cwd: root, env });
  return root;
}

const arrivals: { at: number; body: string }[] = [];
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString("utf8");
  });
  request.on("end", () => {
    arrivals.push({ at: Date.now(), body });
    response.writeHead(200).end("ok");
  });
});
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const latencies: number[] = [];
let lastBody = "";
try {
  for (let run = 0; run < RUNS; run++) {
    const root = await homelab();
    const env = {
      ...process.env,
      BENCH_WEBHOOK_URL: url,
      EXECUTOR: "none",
      RETRY_BACKOFF: "0",
      OPENAI_API_KEY: "",
    };
    // A first run installs the notifier's ledger at the journal's end (history is never announced).
    await runProcess([process.execPath, CLI, "status"], {
      cwd: root,
      env,
      output: { mode: "capped", capBytes: 4096 },
    });
    const before = arrivals.length;
    await runProcess([process.execPath, CLI, "talos"], {
      cwd: root,
      env,
      output: { mode: "capped", capBytes: 4096 },
    });
    const journal = readFileSync(join(root, "ai", "state", "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"give_up"'))
      .map((line) => JSON.parse(line) as { at: string });
    const gaveUpAt = journal.at(-1)?.at;
    const arrival = arrivals.slice(before).find((entry) => entry.body.includes('"give_up"'));
    if (gaveUpAt !== undefined && arrival !== undefined) {
      latencies.push(arrival.at - Date.parse(gaveUpAt));
      lastBody = arrival.body;
    }
    rmSync(root, { recursive: true, force: true });
  }
} finally {
  server.close();
}
latencies.sort((a, b) => a - b);
const median = latencies[Math.floor(latencies.length / 2)];
console.log(
  `give_up to webhook: ${latencies.length}/${RUNS} delivered, median ${median ?? "n/a"} ms (each: ${latencies.join(", ")} ms)`,
);
console.log(`body: ${lastBody}`);

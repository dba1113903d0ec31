/**
 * `npm run bench`: the foundation's figures, medians of repeated runs measured in one go.
 * - `orchestrator status` against a bare `node -e 0` (goal: under 2x)
 * - the tool's own overhead for a stage whose command is `true` (goal: under 150 ms beyond the command)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { git } from "../src/adapters/git/index.ts";
import { runProcess } from "../src/adapters/process/index.ts";

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/orchestrator");
const RUNS = Number(process.env["BENCH_RUNS"] ?? 21);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Runs argv through the tool's own process runner; its output is kept only to explain a failure. */
function runQuietly(argv: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return runProcess(argv, { cwd, env, output: { mode: "capped", capBytes: 4096, tailLines: 0 } });
}

async function timeRuns(
  program: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const started = process.hrtime.bigint();
    const result = await runQuietly([program, ...args], cwd, env);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.exitCode !== 0) {
      throw new Error(`${program} ${args.join(" ")} exited ${result.exitCode}: ${result.interleaved}`);
    }
    if (i >= 2) {
      times.push(ms); // the first two warm the file cache
    }
  }
  return times;
}

async function makeRepo(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "orchestrator-bench-"));
  const gitEnv = {
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "b",
    GIT_AUTHOR_EMAIL: "b@b",
    GIT_COMMITTER_NAME: "b",
    GIT_COMMITTER_EMAIL: "b@b",
  };
  await git(["init", "-q", "-b", "main"], { cwd: root, env: gitEnv });
  mkdirSync(join(root, "ai"));
  const stages = ["vms", "talos", "infra", "apps", "ingress", "obs"]
    .map(
      (stage) =>
        `  ${stage}:\n    command: "true"\n    success_criteria:\n      - { name: ok, command: "true" }`,
    )
    .join("\n");
  writeFileSync(join(root, "ai", "context_map.yaml"), `version: 1\nstages:\n${stages}\n`);
  await git(["add", "-A"], { cwd: root, env: gitEnv });
  await git(["commit", "-qm", "bench"], { cwd: root, env: gitEnv });
  return root;
}

const repo = await makeRepo();
const env = { ...process.env, RETRY_BACKOFF: "0", OPENAI_API_KEY: "" };
try {
  // One run so status has state to read and the AI worktree exists.
  await runQuietly([process.execPath, CLI, "all"], repo, env);
  const bare = median(await timeRuns(process.execPath, ["-e", "0"], repo, env));
  const status = median(await timeRuns(process.execPath, [CLI, "status"], repo, env));
  const statusJson = median(await timeRuns(process.execPath, [CLI, "status", "--json"], repo, env));
  const command = median(await timeRuns("bash", ["-c", "true"], repo, env));
  const stage = median(await timeRuns(process.execPath, [CLI, "talos"], repo, env));
  const overhead = stage - command * 2; // the stage command and its one success check
  const line = (label: string, value: string, goal: string) =>
    `${label.padEnd(44)}${value.padStart(12)}   ${goal}`;
  console.log(`homelab-orchestrator bench (${RUNS} runs each, medians, node ${process.version})`);
  console.log(line("node -e 0", `${bare.toFixed(1)} ms`, ""));
  console.log(
    line(
      "orchestrator status",
      `${status.toFixed(1)} ms`,
      `${(status / bare).toFixed(2)}x bare node (goal < 2x)`,
    ),
  );
  console.log(
    line(
      "orchestrator status --json",
      `${statusJson.toFixed(1)} ms`,
      `${(statusJson / bare).toFixed(2)}x bare node`,
    ),
  );
  console.log(line("bash -c true", `${command.toFixed(1)} ms`, ""));
  console.log(line("orchestrator talos (command and check: true)", `${stage.toFixed(1)} ms`, ""));
  console.log(
    line("  the tool's own overhead", `${overhead.toFixed(1)} ms`, "goal < 150 ms beyond the command"),
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}

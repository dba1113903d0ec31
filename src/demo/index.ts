import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The CLI of this installation, so the demo drives the real thing end to end. */
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/orchestrator");

const EXAMPLE_CONTEXT_MAP = `version: 1
settings:
  executor_retry_threshold: 3
  api_call_budget: 3
stages:
  vms:
    description: create the VMs (always works here)
    command: |
      echo "proxmox: VM 121 talos-cp-1 running"
      echo "proxmox: VM 131 talos-w-1 running"
    success_criteria:
      - name: VMs listed
        command: echo "121 running"
        expect_output: running
  talos:
    description: bootstrap Talos (its API comes up on the third try, like a booting node)
    command: ./bootstrap-talos.sh
    needs: [vms]
  infra:
    description: Flux (fails the same way every time, like a missing deploy key)
    command: ./bootstrap-flux.sh
    needs: [talos]
`;

const TALOS_SCRIPT = `#!/usr/bin/env bash
count_file="$DEMO_STATE/talos-runs"
n=$(( $(cat "$count_file" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$count_file"
echo "applying machine config to 192.168.1.21"
if [ "$n" -lt 3 ]; then
  echo "error applying new configuration: rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp 192.168.1.21:50000: connect: connection refused\\"" >&2
  exit 1
fi
echo "bootstrap done; kubeconfig written"
`;

const FLUX_SCRIPT = `#!/usr/bin/env bash
echo "► cloning branch \\"main\\" from Git repository \\"ssh://git@github.com/me/home-ops.git\\""
echo "✗ failed to clone repository: unable to clone 'ssh://git@github.com/me/home-ops.git': ssh: handshake failed: ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain" >&2
exit 1
`;

export interface DemoOptions {
  keep?: boolean;
  out?: (text: string) => void;
}

/** Builds a throwaway homelab repo, converges it with the real CLI and says what it showed. */
export async function runDemo(options: DemoOptions = {}): Promise<void> {
  const out = options.out ?? ((text: string) => process.stdout.write(text));
  const root = await mkdtemp(join(tmpdir(), "orchestrator-demo-"));
  const repo = join(root, "homelab");
  const demoState = join(root, "world");
  try {
    await run("mkdir", ["-p", repo, demoState], root);
    await run("git", ["init", "-q", "-b", "main"], repo);
    out(`demo: a throwaway homelab repo at ${repo}\n\n$ orchestrator init\n`);
    await orchestrator(["init"], repo, out);
    await writeFile(join(repo, "ai", "context_map.yaml"), EXAMPLE_CONTEXT_MAP);
    await writeFile(join(repo, "bootstrap-talos.sh"), TALOS_SCRIPT, { mode: 0o755 });
    await writeFile(join(repo, "bootstrap-flux.sh"), FLUX_SCRIPT, { mode: 0o755 });
    await run("git", ["add", "-A"], repo);
    await run(
      "git",
      ["-c", "user.name=demo", "-c", "user.email=demo@localhost", "commit", "-qm", "homelab"],
      repo,
    );
    const env = { RETRY_BACKOFF: "1s", DEMO_STATE: demoState, OPENAI_API_KEY: "" };
    out("\n$ orchestrator all\n");
    const allExit = await orchestrator(["all"], repo, out, env);
    out(`(exit ${allExit})\n\n$ orchestrator status\n`);
    await orchestrator(["status"], repo, out, env);
    out(`\n$ tail ai/issues.txt\n`);
    await run("tail", ["-n", "7", "ai/issues.txt"], repo, out);
    out(`\n${await whatItShowed(repo, env)}`);
    out(
      options.keep
        ? `The repo is kept at ${repo}.\n`
        : "The temporary repo has been removed (--keep keeps it).\n",
    );
  } finally {
    if (!options.keep) {
      await rm(root, { recursive: true, force: true });
    }
  }
}

/** Reads the state the run left and says what it shows, rather than what it was meant to show. */
async function whatItShowed(repo: string, env: Record<string, string>): Promise<string> {
  let json = "";
  await orchestrator(
    ["status", "--json"],
    repo,
    (text) => {
      json += text;
    },
    env,
  );
  const report = JSON.parse(json) as {
    stages: Array<{ stage: string; status: string; reason: string | null }>;
  };
  const { readFile } = await import("node:fs/promises");
  const journal = (await readFile(join(repo, "ai", "state", "journal.jsonl"), "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; stage?: string; green?: boolean });
  const runs = (stage: string) =>
    journal.filter((event) => event.type === "stage_run" && event.stage === stage).length;
  const statusOf = (stage: string) => report.stages.find((row) => row.stage === stage);
  const lines = ["What this showed (read back from ai/state):"];
  for (const row of report.stages) {
    lines.push(
      `- ${row.stage}: ${row.status} after ${runs(row.stage)} run${runs(row.stage) === 1 ? "" : "s"}${row.reason && row.status !== "green" ? ` (${row.reason})` : ""}`,
    );
  }
  const talos = statusOf("talos");
  const infra = statusOf("infra");
  if (talos?.status === "green" && runs("talos") === 3) {
    lines.push(
      "- talos failed twice with one fingerprint (the Talos API refusing connections), then went green:",
    );
    lines.push("  plain retries with backoff, since this demo has no executor configured.");
  }
  if (infra?.status === "give_up") {
    lines.push(
      "- infra failed the same way at every run; at the retry threshold the tool would escalate to a model,",
    );
    lines.push(
      "  but no API key is set, so it is give_up, written to ai/issues.txt for a human, with what to do next.",
    );
  }
  lines.push(
    "- Logs follow the seed's naming in ai/logs/<stage>/; every event is in ai/state/journal.jsonl.",
  );
  return `${lines.join("\n")}\n`;
}

function orchestrator(
  args: string[],
  cwd: string,
  out: (text: string) => void,
  env: Record<string, string> = {},
) {
  return run(process.execPath, [CLI, ...args], cwd, out, env);
}

function run(
  program: string,
  args: string[],
  cwd: string,
  out?: (text: string) => void,
  env: Record<string, string> = {},
): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(program, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => out?.(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => out?.(chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolveRun(code ?? 1));
  });
}

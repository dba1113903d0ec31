/**
 * The API calls a stage spends from the model's first answer to green, when that first answer is
 * the right fix written in one of the shapes models write. Runs the built CLI
 * (`orchestrator vms`) on a throw-away homelab repo whose stage fails until the cluster file names
 * the node's storage, against a loopback OpenAI-compatible server: answer 1 is the shape, any
 * further answer is the same fix as a perfect `git diff` (what a model sends once told).
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const CLUSTER = "node: pve\nstorage: local-lvm\nbridge: vmbr0\n";
const STAGE = `#!/usr/bin/env bash
storage=$(sed -n 's/^storage: *//p' config/cluster.yaml)
if [ "$storage" != "local-zfs" ]; then
  echo "proxmox: 500 storage '$storage' does not exist on node pve" >&2
  exit 1
fi
echo "proxmox: VM 121 running"
`;
const PERFECT =
  "diff --git a/config/cluster.yaml b/config/cluster.yaml\n--- a/config/cluster.yaml\n+++ b/config/cluster.yaml\n" +
  "@@ -1,3 +1,3 @@\n node: pve\n-storage: local-lvm\n+storage: local-zfs\n bridge: vmbr0\n";

/** The storage fix in the shapes the corpus (test/fixtures/edits) collects. */
export const SHAPES: Record<string, string> = {
  "git diff": PERFECT,
  "@@ @@ without numbers":
    "--- a/config/cluster.yaml\n+++ b/config/cluster.yaml\n@@ @@\n node: pve\n-storage: local-lvm\n+storage: local-zfs\n",
  "wrong hunk counts":
    "--- a/config/cluster.yaml\n+++ b/config/cluster.yaml\n@@ -1,7 +1,9 @@\n node: pve\n-storage: local-lvm\n+storage: local-zfs\n bridge: vmbr0\n",
  "paths without a/ b/":
    "--- config/cluster.yaml\n+++ config/cluster.yaml\n@@ -1,2 +1,2 @@\n node: pve\n-storage: local-lvm\n+storage: local-zfs\n",
  "fenced, with prose": `The node has no local-lvm.\n\n\`\`\`diff\n${PERFECT}\`\`\`\n\nThen rerun.\n`,
  CRLF: PERFECT.replaceAll("\n", "\r\n"),
  "Aider SEARCH/REPLACE":
    "config/cluster.yaml\n```yaml\n<<<<<<< SEARCH\nstorage: local-lvm\n=======\nstorage: local-zfs\n>>>>>>> REPLACE\n```\n",
  "Cline SEARCH/REPLACE":
    "config/cluster.yaml\n------- SEARCH\nstorage: local-lvm\n=======\nstorage: local-zfs\n+++++++ REPLACE\n",
  "Codex patch in a heredoc":
    "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: config/cluster.yaml\n@@\n-storage: local-lvm\n+storage: local-zfs\n*** End Patch\nEOF\n",
  "whole file": "config/cluster.yaml\n```yaml\nnode: pve\nstorage: local-zfs\nbridge: vmbr0\n```\n",
};

const GIT_ENV = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.invalid",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.invalid",
};

function answer(patch: string): string {
  return JSON.stringify({
    action: "patch",
    summary: "use local-zfs, the node's storage",
    hypothesis: "a ZFS install has local-zfs, not local-lvm",
    expected_effect: "the VM is created",
    patch,
    commands: null,
    reason: null,
  });
}

/** Serves answer N to request N, as an OpenAI chat completion. */
async function modelServer(answers: string[]) {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const content = answers[Math.min(requests, answers.length - 1)] as string;
      requests++;
      response.setHeader("content-type", "application/json");
      response.end(
        JSON.stringify({
          id: `chatcmpl-${requests}`,
          object: "chat.completion",
          created: 0,
          model: "bench",
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
          usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function homelab(): string {
  const root = mkdtempSync(join(tmpdir(), "bench-edit-calls-"));
  const files: Record<string, string> = {
    ".gitignore": "ai/state/\nai/logs/\nai/escalations/\nai/patches/\n",
    "ai/context_map.yaml":
      "version: 1\nsettings:\n  executor_retry_threshold: 1\n  api_call_budget: 3\nstages:\n  vms:\n" +
      "    description: create the Talos VMs on Proxmox\n    command: ./vms.sh\n    files: [config/**, vms.sh]\n",
    "ai/master_memo.md": "# Memo\n\n## Proxmox\nOne node, pve.\n",
    "config/cluster.yaml": CLUSTER,
    "vms.sh": STAGE,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  chmodSync(join(root, "vms.sh"), 0o755);
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, env: { ...process.env, ...GIT_ENV } });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "homelab");
  return root;
}

function runStage(cli: string, cwd: string, baseURL: string): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...GIT_ENV,
    RETRY_BACKOFF: "0",
    EXECUTOR: "none",
    OPENAI_API_KEY: "bench-key-not-secret-0000",
    OPENAI_BASE_URL: baseURL,
    OPENAI_MODEL: "bench",
  };
  for (const name of ["AI_BRANCH", "CI"]) {
    delete env[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "vms"], { cwd, env, stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

export type CallsToGreen = { shape: string; calls: number; green: boolean };

/** For each shape: the API calls spent until `orchestrator vms` exits green (or gives up). */
export async function measureCallsToGreen(cli: string): Promise<CallsToGreen[]> {
  const results: CallsToGreen[] = [];
  for (const [shape, patch] of Object.entries(SHAPES)) {
    const root = homelab();
    const server = await modelServer([answer(patch), answer(PERFECT)]);
    try {
      const code = await runStage(cli, root, server.baseURL);
      results.push({ shape, calls: server.requests(), green: code === 0 });
    } finally {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    }
  }
  return results;
}

/**
 * The same fault twice: a vms stage fails because proxmox.storage names a
 * storage the node lacks; a local model (a loopback OpenAI-compatible server) answers with a diff;
 * the fix is committed and remembered; the fault comes back; the loop's order is followed again
 * (remembered fix first, executor only without one). Counts model API requests and executor runs
 * per occurrence. Everything is real except the model: git repo, worktree, guard, fix memory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createOpenAiCompatibleExecutor, executorPort } from "../src/adapters/executors/index.ts";
import { FixMemory } from "../src/adapters/fix-memory/index.ts";
import { fixMemoryPort } from "../src/adapters/fix-memory/port.ts";
import { git } from "../src/adapters/git/index.ts";
import { SideBranch } from "../src/adapters/side-branch/index.ts";
import { StateStore } from "../src/adapters/state-store/index.ts";
import { DEFAULT_SETTINGS, parseContextMap } from "../src/config/index.ts";
import type { FixRequest } from "../src/core/fixers/index.ts";
import { guardRulesFrom } from "../src/core/patch-guard/index.ts";
import { Redactor } from "../src/core/redaction/index.ts";

const CLUSTER = "proxmox:\n  node: pve\n  storage: local-lvm\n  bridge: vmbr0\ntalos:\n  version: v1.9.5\n";
const FIX = [
  "diff --git a/config/clusters/prox-n100.yaml b/config/clusters/prox-n100.yaml",
  "--- a/config/clusters/prox-n100.yaml",
  "+++ b/config/clusters/prox-n100.yaml",
  "@@ -1,5 +1,5 @@",
  " proxmox:",
  "   node: pve",
  "-  storage: local-lvm",
  "+  storage: local-zfs",
  "   bridge: vmbr0",
  " talos:",
  "",
].join("\n");
const CONTEXT_MAP =
  "version: 1\nstages:\n  vms:\n    command: ./infrastructure/proxmox/vms.sh\n    files: [config/clusters/**]\n";
const ERROR_LINE =
  'proxmox: storage "local-lvm" does not exist on node pve (it has: local, local-zfs); set proxmox.storage';

export interface OccurrenceCounts {
  apiRequests: number;
  executorRuns: number;
  replays: number;
  source: string;
}

export async function runFixMemoryScenario(): Promise<{ first: OccurrenceCounts; second: OccurrenceCounts }> {
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Bench",
    GIT_AUTHOR_EMAIL: "bench@example.invalid",
    GIT_COMMITTER_NAME: "Bench",
    GIT_COMMITTER_EMAIL: "bench@example.invalid",
  };
  Object.assign(process.env, env);
  const root = mkdtempSync(join(tmpdir(), "fix-memory-bench-"));
  const gitIn = (...args: string[]) => git(args, { cwd: root, env });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests += 1;
      const answer = JSON.stringify({
        action: "patch",
        summary: "use local-zfs, the node's storage for VM disks",
        hypothesis: "local-lvm does not exist on a ZFS install",
        expected_effect: "the preflight passes",
        patch: FIX,
      });
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests}`,
          object: "chat.completion",
          created: 0,
          model: "local",
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: answer } }],
          usage: { prompt_tokens: 900, completion_tokens: 120, total_tokens: 1020 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await gitIn("init", "-q", "-b", "main");
    write(".gitignore", "ai/state/\nai/logs/\nai/patches/\n");
    write("ai/context_map.yaml", CONTEXT_MAP);
    write("config/clusters/prox-n100.yaml", CLUSTER);
    await gitIn("add", "-A");
    await gitIn("commit", "-qm", "homelab");
    const sideBranch = await SideBranch.open({ repoRoot: root, branch: "ai/orchestrator-stage1" });
    const contextMap = parseContextMap(CONTEXT_MAP);
    const { port } = server.address() as AddressInfo;
    const state = new StateStore(root);
    const land = {
      repoRoot: root,
      sideBranch,
      rules: guardRulesFrom(contextMap, DEFAULT_SETTINGS),
      journal: (event: Parameters<StateStore["journal"]>[0]) => state.journal(event),
    };
    const memory = fixMemoryPort(new FixMemory(root), { land, contextMap });
    const executor = executorPort(
      createOpenAiCompatibleExecutor({
        baseUrl: `http://127.0.0.1:${port}/v1`,
        model: "qwen2.5-coder:7b",
        contextTokens: 8000,
        apiKey: undefined,
        redactor: new Redactor(),
      }),
      { repoRoot: root, contextMap, settings: DEFAULT_SETTINGS, land },
    );
    const counters = { executorRuns: 0, replays: 0 };
    const fingerprint = {
      template: "5f1c0a9e7d3b2a41",
      exact: "9e8d7c6b5a493827",
      lines: [ERROR_LINE],
      templates: [],
    };
    const request: FixRequest = {
      stage: "vms",
      fingerprint,
      logTail: `${ERROR_LINE}\n`,
      logFile: "ai/logs/vms/x.log",
      exitCode: 1,
      checks: [],
      episode: { lastGreenCommit: undefined, history: [], executorNotes: undefined },
    };

    const occurrence = async (): Promise<OccurrenceCounts> => {
      const before = { requests, ...counters };
      // The loop's order: a remembered fix first, the executor otherwise.
      const fixId = await memory.untriedFix("vms", fingerprint, []);
      if (fixId) {
        counters.replays += 1;
      } else {
        counters.executorRuns += 1;
      }
      const fix = fixId ? await memory.replay(fixId, request) : (await executor.run(request)).outcome;
      if (fix.kind !== "patched") {
        throw new Error(`the occurrence was not fixed: ${JSON.stringify(fix)}`);
      }
      // The stage goes green with it: the loop tells the memory.
      await memory.verified("vms", fingerprint, fix.commit, fixId);
      return {
        apiRequests: requests - before.requests,
        executorRuns: counters.executorRuns - before.executorRuns,
        replays: counters.replays - before.replays,
        source: fix.source,
      };
    };
    const first = await occurrence();
    // The fault comes back: someone sets the storage back by hand on the AI branch.
    writeFileSync(join(sideBranch.worktree, "config/clusters/prox-n100.yaml"), CLUSTER);
    await git(["commit", "-qam", "back to local-lvm"], { cwd: sideBranch.worktree, env });
    const second = await occurrence();
    return { first, second };
  } finally {
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

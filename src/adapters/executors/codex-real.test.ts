import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeResponsesServer,
  startFakeResponsesServer,
} from "../../../test/helpers/fake-responses-server.ts";
import { Redactor } from "../../core/redaction/index.ts";
import { createCodexExecutor } from "./codex.ts";
import { type ExecutorKit, executorKit } from "./executor-test-kit.fixture.ts";

const CODEX_BIN = resolve("node_modules/.bin");
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("the codex executor with the real Codex CLI", { tags: ["slow"] }, () => {
  it.skipIf(!existsSync(join(CODEX_BIN, "codex")))(
    "lets codex exec edit the worktree in its workspace-write sandbox and commits the harvested diff",
    async () => {
      const made: ExecutorKit = await executorKit();
      cleanups.push(() => made.repo.cleanup());
      const server: FakeResponsesServer = await startFakeResponsesServer([
        {
          kind: "exec_command",
          cmd: "sed -i 's/storage: local-lvm/storage: local-zfs/' config/clusters/prox-n100.yaml",
        },
        { kind: "message", text: "Set proxmox.storage to local-zfs: local-lvm does not exist on node pve." },
      ]);
      cleanups.push(() => server.close());
      // Codex refuses to set up its helpers under temporary folders, so its home lives elsewhere.
      mkdirSync(join(homedir(), ".cache"), { recursive: true });
      const codexHome = mkdtempSync(join(homedir(), ".cache", "orchestrator-codex-test-"));
      cleanups.push(() => rmSync(codexHome, { recursive: true, force: true }));
      writeFileSync(
        join(codexHome, "config.toml"),
        [
          'model = "test-model"',
          'model_provider = "fake"',
          "",
          "[model_providers.fake]",
          'name = "fake"',
          `base_url = "${server.baseURL}"`,
          'env_key = "FAKE_KEY"',
          'wire_api = "responses"',
          "request_max_retries = 0",
          "stream_max_retries = 0",
          "",
        ].join("\n"),
      );
      const executor = createCodexExecutor({
        env: {
          ...process.env,
          PATH: `${CODEX_BIN}:${process.env["PATH"]}`,
          CODEX_HOME: codexHome,
          FAKE_KEY: "sk-fake",
        },
        redactor: new Redactor(),
        briefTokens: 3000,
      });
      expect(await executor.available()).toBe(true);

      const result = await made.runFix(executor, made.request({ timeoutMs: 120_000 }));

      const logDir = join(made.repo.root, "ai", "logs", "vms");
      const events = readdirSync(logDir).find((name) => name.endsWith(".jsonl")) ?? "";
      const transcript = readFileSync(join(logDir, events), "utf8");
      expect(result, transcript).toMatchObject({
        kind: "patched",
        source: "codex",
        summary: "Set proxmox.storage to local-zfs: local-lvm does not exist on node pve.",
        files: ["config/clusters/prox-n100.yaml"],
      });
      expect(made.git(["show", "ai/orchestrator-stage1:config/clusters/prox-n100.yaml"])).toContain(
        "storage: local-zfs",
      );
      expect(server.modelRequests()).toHaveLength(2);
      expect(JSON.stringify(server.modelRequests()[0]?.json)).toContain("does not exist on node pve");
      expect(transcript).toContain('"type":"command_execution"');
      expect(made.git(["status", "--porcelain"], made.sideBranch.worktree)).toBe("");
    },
  );
});

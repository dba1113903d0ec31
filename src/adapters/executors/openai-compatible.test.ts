import { afterEach, describe, expect, it } from "vitest";
import { type FakeLlmServer, fakeReply, startFakeLlmServer } from "../../../test/helpers/fake-llm-server.ts";
import { Redactor } from "../../core/redaction/index.ts";
import { STORAGE_FIX } from "../side-branch/homelab-repo.fixture.ts";
import { type ExecutorKit, executorKit } from "./executor-test-kit.fixture.ts";
import { createOpenAiCompatibleExecutor } from "./openai-compatible.ts";

const SECRET = "6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50";

const kits: ExecutorKit[] = [];
const servers: FakeLlmServer[] = [];
afterEach(async () => {
  for (const made of kits.splice(0)) {
    made.repo.cleanup();
  }
  for (const server of servers.splice(0)) {
    await server.close();
  }
});

async function setUp(script: Parameters<typeof startFakeLlmServer>[0]) {
  const made = await executorKit();
  kits.push(made);
  const server = await startFakeLlmServer(script);
  servers.push(server);
  const executor = createOpenAiCompatibleExecutor({
    baseUrl: server.baseURL,
    model: "qwen2.5-coder:7b",
    contextTokens: 4096,
    apiKey: undefined,
    redactor: new Redactor({ knownSecrets: [SECRET] }),
  });
  return { made, server, executor };
}

describe("the openai-compatible executor", () => {
  it("asks a local model for a diff, redacted and within its context, and commits it through the guard", async () => {
    const { made, server, executor } = await setUp([
      fakeReply.answer({
        action: "patch",
        summary: "use local-zfs",
        hypothesis: "the node has no local-lvm",
        expected_effect: "the preflight passes",
        patch: STORAGE_FIX,
      }),
    ]);
    const request = made.request({
      logTail: `PROXMOX_TOKEN_SECRET=${SECRET}\nproxmox: 500 storage 'local-lvm' does not exist\n`,
    });
    const result = await made.runFix(executor, request);
    expect(result).toMatchObject({ kind: "patched", source: "openai-compatible", summary: "use local-zfs" });
    expect(server.requests).toHaveLength(1);
    const body = server.requests[0]?.bodyText ?? "";
    expect(body).not.toContain(SECRET);
    expect(body).toContain("REDACTED");
    expect(body).toContain("storage: local-lvm");
    expect(JSON.parse(body).model).toBe("qwen2.5-coder:7b");
    expect(body.length / 4).toBeLessThan(4096);
  });

  it("refuses a model diff that edits a protected file, leaving the branch as it was", async () => {
    const { made, executor } = await setUp([
      fakeReply.answer({
        action: "patch",
        summary: "drop the stage",
        hypothesis: "h",
        expected_effect: "e",
        patch:
          "--- a/ai/context_map.yaml\n+++ b/ai/context_map.yaml\n@@ -1 +1 @@\n-version: 1\n+version: 2\n",
      }),
    ]);
    const tip = await made.sideBranch.headCommit();
    const result = await made.runFix(executor);
    expect(result.kind).toBe("refused");
    expect(await made.sideBranch.headCommit()).toBe(tip);
  });

  it("turns a model that gives up into no_change with its reason", async () => {
    const { made, executor } = await setUp([
      fakeReply.answer({ action: "give_up", reason: "the token lacks permissions" }),
    ]);
    const result = await made.runFix(executor);
    expect(result).toEqual({
      kind: "no_change",
      summary: "openai-compatible: the local model sees no safe fix: the token lacks permissions",
    });
  });

  it("is available only with both a base URL and a model", async () => {
    const make = (baseUrl: string | undefined, model: string | undefined) =>
      createOpenAiCompatibleExecutor({
        baseUrl,
        model,
        contextTokens: 4096,
        apiKey: undefined,
        redactor: new Redactor(),
      });
    expect(await make("http://127.0.0.1:11434/v1", "qwen2.5-coder").available()).toBe(true);
    expect(await make("http://127.0.0.1:11434/v1", undefined).available()).toBe(false);
    expect(await make(undefined, "qwen2.5-coder").available()).toBe(false);
  });
});

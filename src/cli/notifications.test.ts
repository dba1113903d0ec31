import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { type ReceivedRequest, startLoopbackServer } from "../../test/helpers/loopback-server.ts";

let received: ReceivedRequest[];
let server: Awaited<ReturnType<typeof startLoopbackServer>>;
let origin: string;

beforeEach(async () => {
  received = [];
  server = await startLoopbackServer((request, res) => {
    received.push(request);
    res.end("{}");
  });
  origin = server.baseURL.replace(/\/v1$/, "");
});
afterEach(async () => {
  await server.close();
});

function repoNotifying(notifyYaml: string): string {
  return makeHomelabRepo({
    "ai/context_map.yaml": `${contextMap("  vms:\n    command: echo ok\n  talos:\n    command: echo 'etcd is not up'; exit 1")}notify:\n${notifyYaml}\n`,
  });
}

describe("notifications from a run", () => {
  it("a stage that gives up sends one give_up to the configured target", async () => {
    const repo = repoNotifying("  - kind: ntfy\n    url_env: NTFY_URL");
    const env = testEnv({ NTFY_URL: `${origin}/lab-alerts` });
    expect((await runInProcess(["vms"], repo, { env })).code).toBe(0);
    expect((await runInProcess(["talos"], repo, { env })).code).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]?.json).toMatchObject({ topic: "lab-alerts", title: "talos gave up", priority: 4 });
    expect((await runInProcess(["talos"], repo, { env })).code).toBe(1);
    expect(received).toHaveLength(1);
  });

  it("a target that cannot be reached changes nothing about the run: same exit, same state, the failure journaled", async () => {
    const repo = repoNotifying("  - kind: slack\n    name: chat\n    url_env: HOOK");
    await server.close();
    const result = await runInProcess(["talos"], repo, { env: testEnv({ HOOK: `${origin}/hook` }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /notifications: "chat" did not take "talos gave up" \(try 1\): fetch failed \(ECONNREFUSED\); trying again after/,
    );
    const journal = readFileSync(join(repo, "ai/state/journal.jsonl"), "utf8");
    expect(journal).toContain('"type":"notification_failed","target":"chat"');
    const status = await runInProcess(["status", "--json"], repo);
    expect(JSON.parse(status.stdout).stages[1].status).toBe("give_up");
  });

  it("refuses a URL written into the context map: exit 2, naming the field", async () => {
    const repo = repoNotifying("  - kind: discord\n    url: https://discord.com/api/webhooks/1/abc");
    const result = await runInProcess(["talos"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^orchestrator: ai\/context_map.yaml:\d+: notify.0: unknown field "url"\n$/,
    );
  });
});

import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ReceivedRequest, startLoopbackServer } from "../../../test/helpers/loopback-server.ts";
import type { NotifyTarget } from "../../config/schema.ts";
import type { JournalEvent } from "../../core/journal/index.ts";
import { redactorForRepo } from "../secret-values/index.ts";
import { createNotifier } from "./index.ts";

const SECRET = "Zq8vN3kWb7Xr2Lp9Tf4Hd6Jm1Cy5Gs0";
const AT = "2026-11-29T17:00:00.000Z";

let repo: string;
let received: ReceivedRequest[];
let answer: (request: ReceivedRequest) => number;
let server: Awaited<ReturnType<typeof startLoopbackServer>>;
let origin: string;
let logLines: string[];
let journaled: JournalEvent[];

beforeEach(async () => {
  repo = mkdtempSync(join(tmpdir(), "notify-"));
  mkdirSync(join(repo, "ai/state"), { recursive: true });
  writeFileSync(join(repo, "ai/state/journal.jsonl"), "");
  // A secret file the redactor reads values from (the built-in list names .env).
  writeFileSync(join(repo, ".env"), `BOOTSTRAP_TOKEN=${SECRET}\n`);
  received = [];
  answer = () => 200;
  logLines = [];
  journaled = [];
  server = await startLoopbackServer((request, res) => {
    received.push(request);
    res.statusCode = answer(request);
    res.end("{}");
  });
  origin = server.baseURL.replace(/\/v1$/, "");
});

afterEach(async () => {
  await server.close();
  rmSync(repo, { recursive: true, force: true });
});

function journal(event: Record<string, unknown>): void {
  appendFileSync(join(repo, "ai/state/journal.jsonl"), `${JSON.stringify({ at: AT, ...event })}\n`);
}

async function notifier(targets: NotifyTarget[], env: Record<string, string>, clock = { now: new Date(AT) }) {
  const { redactor } = await redactorForRepo({ repoRoot: repo, secretGlobs: [], env: {} });
  const made = createNotifier({
    repoRoot: repo,
    targets,
    env,
    redact: async (text) => redactor.redact(text),
    journal: async (event) => {
      journaled.push(event);
    },
    log: (line) => logLines.push(line),
    now: () => clock.now,
    timeoutMs: 2_000,
  });
  if (!made) {
    throw new Error("no notifier");
  }
  await made.flush();
  return made;
}

const GIVE_UP = {
  type: "give_up",
  stage: "talos",
  fingerprint: "a1b2c3d4",
  reason: `the same error came back after 3 API calls: bootstrap failed with token ${SECRET}`,
  caseDir: "ai/escalations/talos/20261129-170000",
};

describe("notifications", () => {
  it("sends a give_up to ntfy, Gotify, Slack, Discord, Mattermost and a JSON webhook in each one's request shape, with the secret masked", async () => {
    const kinds = ["ntfy", "gotify", "slack", "discord", "mattermost", "webhook"] as const;
    const env: Record<string, string> = { GOTIFY_TOKEN: "AbCdEf.gotify-app" };
    const targets: NotifyTarget[] = kinds.map((kind) => {
      env[`${kind.toUpperCase()}_URL`] =
        kind === "ntfy" ? `${origin}/homelab-alerts` : `${origin}/${kind}/hook`;
      return {
        kind,
        name: kind,
        url_env: `${kind.toUpperCase()}_URL`,
        ...(kind === "gotify" ? { token_env: "GOTIFY_TOKEN" } : {}),
      };
    });
    const sender = await notifier(targets, env);
    journal(GIVE_UP);
    await sender.flush();

    expect(received.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /",
      "POST /gotify/hook/message",
      "POST /slack/hook",
      "POST /discord/hook",
      "POST /mattermost/hook",
      "POST /webhook/hook",
    ]);
    for (const request of received) {
      expect(request.bodyText).not.toContain(SECRET);
      expect(request.headers["content-type"]).toBe("application/json");
    }
    const [ntfy, gotify, slack, discord, mattermost, webhook] = received.map((request) => request.json);
    const body =
      "the same error came back after 3 API calls: bootstrap failed with token [REDACTED:known-secret#1]. " +
      "The case file is in ai/escalations/talos/20261129-170000. Fix the cause by hand, then run: orchestrator talos --reset";
    expect(ntfy).toEqual({
      topic: "homelab-alerts",
      title: "talos gave up",
      message: body,
      priority: 4,
      tags: ["rotating_light"],
    });
    expect(gotify).toEqual({ title: "talos gave up", message: body, priority: 8 });
    expect(received[1]?.headers["x-gotify-key"]).toBe("AbCdEf.gotify-app");
    expect(slack).toEqual({ text: `*talos gave up*\n${body}` });
    expect(discord).toEqual({ content: `**talos gave up**\n${body}`, allowed_mentions: { parse: [] } });
    expect(mattermost).toEqual({ text: `#### talos gave up\n${body}` });
    expect(webhook).toEqual({
      version: 1,
      event: "give_up",
      stage: "talos",
      key: "give_up:talos:a1b2c3d4",
      title: "talos gave up",
      message: body,
      urgency: "high",
      at: AT,
    });
  });

  it("announces an error once until its stage recovers, says that it recovered, and then announces it again", async () => {
    const sender = await notifier([{ kind: "slack", url_env: "HOOK" }], { HOOK: `${origin}/hook` });
    journal(GIVE_UP);
    await sender.flush();
    journal(GIVE_UP);
    journal({ type: "drift", stage: "obs", check: "grafana up", detail: "exit 7" });
    journal({ type: "drift", stage: "obs", check: "grafana up", detail: "exit 7" });
    await sender.flush();
    journal({ type: "stage_green", stage: "talos", runs: 1 });
    await sender.flush();
    journal(GIVE_UP);
    await sender.flush();
    const texts = received.map((request) => (request.json as { text: string }).text.split("\n")[0]);
    expect(texts).toEqual(["*talos gave up*", "*obs drifted*", "*talos recovered*", "*talos gave up*"]);
  });

  it("reads an event type this version does not know, and tells how to approve a proposed fix", async () => {
    const sender = await notifier([{ kind: "webhook", url_env: "HOOK" }], { HOOK: `${origin}/hook` });
    journal({
      type: "fix_proposed",
      stage: "vms",
      id: "p-3f9a1c",
      summary: "use local-zfs",
      source: "playbook",
    });
    await sender.flush();
    expect(received[0]?.json).toMatchObject({
      event: "fix_proposed",
      title: "vms: fix proposed, waiting for approval",
      message:
        "use local-zfs. To apply it: orchestrator approve p-3f9a1c — to refuse it: orchestrator reject p-3f9a1c",
    });
  });

  it("holds back a storm beyond the rate limit and sums it up once the window has room again", async () => {
    const clock = { now: new Date(AT) };
    const sender = await notifier([{ kind: "slack", url_env: "HOOK" }], { HOOK: `${origin}/hook` }, clock);
    for (let index = 0; index < 10; index++) {
      journal({ ...GIVE_UP, fingerprint: `f${index}` });
    }
    await sender.flush();
    expect(received).toHaveLength(6);
    clock.now = new Date(Date.parse(AT) + 11 * 60_000);
    await sender.flush();
    expect(received).toHaveLength(7);
    expect(received[6]?.bodyText).toContain("4 more notifications held back");
  });

  it("logs, journals and retries with backoff a target that fails, while the others get theirs", async () => {
    const clock = { now: new Date(AT) };
    let failures = 1;
    answer = (request) => (request.path === "/down" && failures-- > 0 ? 503 : 200);
    const sender = await notifier(
      [
        { kind: "discord", name: "down", url_env: "DOWN" },
        { kind: "discord", name: "up", url_env: "UP" },
      ],
      { DOWN: `${origin}/down`, UP: `${origin}/up` },
      clock,
    );
    journal(GIVE_UP);
    await sender.flush();
    expect(received.map((request) => request.path)).toEqual(["/down", "/up"]);
    expect(logLines.join("\n")).toContain(
      'notifications: "down" did not take "talos gave up" (try 1): HTTP 503',
    );
    expect(journaled).toEqual([
      {
        type: "notification_failed",
        target: "down",
        key: "give_up:talos:a1b2c3d4",
        attempts: 1,
        error: "HTTP 503 Service Unavailable",
        retryAt: "2026-11-29T17:00:30.000Z",
      },
    ]);
    await sender.flush();
    expect(received).toHaveLength(2); // not yet due
    clock.now = new Date(Date.parse(AT) + 31_000);
    await sender.flush();
    expect(received.map((request) => request.path)).toEqual(["/down", "/up", "/down"]);
    const ledger = JSON.parse(readFileSync(join(repo, "ai/state/notify.json"), "utf8"));
    expect(ledger.outbox).toEqual([]);
  });

  it("drops a delivery after the sixth failed try, waiting 30 s, 1, 2, 4 and 8 minutes between tries", async () => {
    const clock = { now: new Date(AT) };
    answer = () => 500;
    const sender = await notifier(
      [{ kind: "slack", name: "chat", url_env: "HOOK" }],
      { HOOK: `${origin}/hook` },
      clock,
    );
    journal(GIVE_UP);
    await sender.flush();
    for (const waitS of [30, 60, 120, 240, 480]) {
      clock.now = new Date(clock.now.getTime() + waitS * 1000);
      await sender.flush();
    }
    expect(received).toHaveLength(6);
    expect(journaled.map((event) => ("retryAt" in event ? event.retryAt : "dropped"))).toEqual([
      "2026-11-29T17:00:30.000Z",
      "2026-11-29T17:01:30.000Z",
      "2026-11-29T17:03:30.000Z",
      "2026-11-29T17:07:30.000Z",
      "2026-11-29T17:15:30.000Z",
      "dropped",
    ]);
    expect(logLines.at(-1)).toContain("(try 6): HTTP 500 Internal Server Error; dropped after the last try");
    clock.now = new Date(clock.now.getTime() + 3_600_000);
    await sender.flush();
    expect(received).toHaveLength(6);
  });

  it("never names the URL of a target it cannot reach, and never throws", async () => {
    await server.close();
    const sender = await notifier([{ kind: "slack", name: "chat", url_env: "HOOK" }], {
      HOOK: `${origin}/services/T000/B000/${SECRET}`,
    });
    journal(GIVE_UP);
    await expect(sender.flush()).resolves.toBeUndefined();
    expect(logLines.join("\n")).toMatch(/"chat" did not take .*ECONNREFUSED/);
    expect(`${logLines.join("\n")}${JSON.stringify(journaled)}`).not.toContain(SECRET);
  });

  it("refuses a URL file inside the repo: the delivery fails with the reason, nothing is sent", async () => {
    writeFileSync(join(repo, "hook-url"), `${origin}/hook\n`);
    const sender = await notifier([{ kind: "slack", name: "chat", url_file: join(repo, "hook-url") }], {});
    journal(GIVE_UP);
    await sender.flush();
    expect(received).toHaveLength(0);
    expect(logLines.join("\n")).toContain("the URL file is inside the repo; keep it outside git");
  });

  it("does not announce what the journal held before notifications were first set up", async () => {
    journal(GIVE_UP);
    const sender = await notifier([{ kind: "slack", url_env: "HOOK" }], { HOOK: `${origin}/hook` });
    await sender.flush();
    expect(received).toHaveLength(0);
  });
});

import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runInProcess } from "../../test/helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { type Listener, startListener } from "../adapters/metrics-server/index.ts";
import { openProposals, type PassClock, serviceRoutes } from "./service-view.ts";

const HOSTILE = `<script>alert("owned")</script><img src=x onerror=alert(1)>`;

let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

function clockAt(nowMs: number): PassClock {
  return {
    passes: 3,
    skippedPasses: 1,
    running: false,
    lastPassEndMs: nowMs - 5_000,
    lastPassDurationMs: 2_500,
    lastBeatMs: nowMs - 5_000,
    everyMs: 60_000,
    graceMs: 30_000,
  };
}

async function serve(
  repo: string,
  clock: PassClock,
  now = () => Date.now(),
  token?: string,
): Promise<string> {
  listener = await startListener({
    host: "127.0.0.1",
    port: 0,
    ...(token ? { token } : {}),
    routes: serviceRoutes(repo, {}, { EXECUTOR: "none" }, clock, now),
    log: () => undefined,
  });
  return listener.url;
}

describe("the converge listener", () => {
  it("serves each stage's status, attempts, spend and pass figures as Prometheus text", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  vms:\n    command: echo ok\n  talos:\n    command: echo boom; exit 1",
      ),
    });
    expect((await runInProcess(["all"], repo)).code).toBe(1);
    const url = await serve(repo, clockAt(Date.now()));
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# TYPE orchestrator_stage_status gauge");
    expect(text).toContain('orchestrator_stage_status{stage="vms",status="green"} 1');
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="give_up"} 1');
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="green"} 0');
    expect(text).toMatch(/orchestrator_stage_last_green_timestamp_seconds\{stage="vms"\} \d+\.?\d*/);
    expect(text).toMatch(/orchestrator_stage_attempts\{stage="talos"\} [1-9]/);
    expect(text).toContain('orchestrator_api_tokens_total{stage="talos",direction="input"} 0');
    expect(text).toContain('orchestrator_fixes_total{stage="vms",outcome="applied"} 0');
    expect(text).toContain("orchestrator_passes_total 3");
    expect(text).toContain("orchestrator_last_pass_duration_seconds 2.5");
    expect(text.endsWith("\n")).toBe(true);
  });

  it("says 200 on /healthz while passes come on schedule and 503 with the reason once they stop", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    const start = Date.now();
    let now = start;
    await serve(repo, clockAt(start), () => now);
    const healthy = await fetch(`${listener?.url}/healthz`);
    expect(healthy.status).toBe(200);
    expect(await healthy.text()).toMatch(/^ok: last sign of life 5s ago/);
    now = start + 120_000;
    const stale = await fetch(`${listener?.url}/healthz`);
    expect(stale.status).toBe(503);
    expect(await stale.text()).toBe(
      "no converge pass for 125s (expected one every 60s, allowing 30s more)\n",
    );
  });

  it("shows hostile stage output on the status page as text, never as markup", async () => {
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: ./fail.sh"),
      "fail.sh": `#!/bin/sh\necho '${HOSTILE}'\nexit 1\n`,
    });
    await runInProcess(["vms"], repo);
    const url = await serve(repo, clockAt(Date.now()));
    const response = await fetch(`${url}/`);
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; style-src 'unsafe-inline'",
    );
    const html = await response.text();
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;",
    );
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("<h2>Last episodes</h2>");
  });

  it("asks for the bearer token on every path when one is set", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    const token = "s3cret-listener-token-0123456789";
    const url = await serve(repo, clockAt(Date.now()), Date.now, token);
    for (const path of ["/", "/metrics", "/healthz"]) {
      expect((await fetch(`${url}${path}`)).status).toBe(401);
      expect((await fetch(`${url}${path}`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      const ok = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
    }
    expect((await fetch(`${url}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("refuses a non-loopback --listen without a token: exit 2, nothing served", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    const result = await runInProcess(["converge", "--listen", "0.0.0.0:9489"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--listen 0.0.0.0:9489: not a loopback address, so a bearer token is required: --token-file FILE or ORCHESTRATOR_LISTEN_TOKEN",
    );
  });

  it("refuses a --listen that is not HOST:PORT", async () => {
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    const result = await runInProcess(["converge", "--listen", "9489"], repo);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--listen "9489": expected HOST:PORT, e.g. 127.0.0.1:9489 or [::1]:9489');
  });
});

describe("the Grafana dashboard in docs/grafana", () => {
  it("queries only metrics the listener serves", async () => {
    const dashboard = readFileSync(new URL("../../docs/grafana/orchestrator.json", import.meta.url), "utf8");
    const used = new Set(dashboard.match(/orchestrator_[a-z_]+/g));
    const repo = makeHomelabRepo({ "ai/context_map.yaml": contextMap("  vms:\n    command: echo ok") });
    await runInProcess(["vms"], repo);
    const url = await serve(repo, clockAt(Date.now()));
    const served = new Set(
      [...(await (await fetch(`${url}/metrics`)).text()).matchAll(/^# TYPE (\S+)/gm)].map(
        (match) => match[1],
      ),
    );
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });
});

describe("fixes waiting for approval", () => {
  it("are the proposals no later journal line with the same id has settled", () => {
    const at = "2026-11-29T17:00:00.000Z";
    const open = openProposals([
      { type: "fix_proposed", at, stage: "vms", id: "p-1", summary: "use local-zfs" },
      { type: "fix_proposed", at, stage: "talos", id: "p-2", summary: "wait for etcd" },
      { type: "fix_approved", at, stage: "vms", id: "p-1" },
    ]);
    expect(open).toEqual([{ id: "p-2", stage: "talos", summary: "wait for etcd", at }]);
  });
});

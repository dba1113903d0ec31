import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, testEnv } from "../helpers/cli.ts";
import { contextMap, makeHomelabRepo } from "../helpers/homelab-repo.ts";
import { type ReceivedRequest, startLoopbackServer } from "../helpers/loopback-server.ts";

/*
 * The converge service against real tools from Debian (installed by .ci/run): promtool checks
 * the exposition, a real Prometheus scrapes it and is queried through its HTTP API, and a real
 * headless Chromium renders the status page. A missing tool fails the test with its name.
 */

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function requireTool(name: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(`${name} is not installed: .ci/run installs it (apt-get install prometheus chromium)`);
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve(child.exitCode);
      return;
    }
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

describe("converge as a service, seen by Prometheus and a browser", {
  tags: ["slow"],
  timeout: 240_000,
}, () => {
  let repo: string;
  let work: string;
  let converge: ChildProcess;
  let convergeOut = "";
  let url: string;
  const hooks: { request: ReceivedRequest; atMs: number }[] = [];
  let hookServer: Awaited<ReturnType<typeof startLoopbackServer>>;

  beforeAll(async () => {
    hookServer = await startLoopbackServer((request, res) => {
      hooks.push({ request, atMs: Date.now() });
      res.end("{}");
    });
    repo = makeHomelabRepo({
      "ai/context_map.yaml": `${contextMap(
        "  vms:\n    command: echo ok\n    success_criteria:\n      - name: up\n        command: 'true'\n" +
          "  talos:\n    command: ./boot.sh",
      )}notify:\n  - kind: webhook\n    url_env: HOOK_URL\n`,
      "boot.sh": "#!/bin/sh\necho 'error: <b>etcd</b> is not up yet'\nexit 1\n",
    });
    work = mkdtempSync(join(tmpdir(), "service-e2e-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    converge = spawn(process.execPath, [CLI, "converge", "--every", "3s", "--listen", `127.0.0.1:${port}`], {
      cwd: repo,
      env: testEnv({ HOOK_URL: `${hookServer.baseURL.replace(/\/v1$/, "")}/hook` }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    converge.stdout?.on("data", (chunk: Buffer) => {
      convergeOut += chunk.toString();
    });
    converge.stderr?.on("data", (chunk: Buffer) => {
      convergeOut += chunk.toString();
    });
    await until("the first converge pass", async () => (/pass 1: /.test(convergeOut) ? true : undefined));
  });

  afterAll(async () => {
    if (converge) {
      expect(await stopped(converge)).toBe(0);
    }
    await hookServer.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("announces the give_up once while passes go on", async () => {
    await until("a second pass", async () => (/pass 2: /.test(convergeOut) ? true : undefined));
    expect(hooks.map((hook) => (hook.request.json as { title: string }).title)).toEqual(["talos gave up"]);
  });

  it("serves metrics that promtool accepts", async () => {
    const promtool = requireTool("promtool");
    const text = await (await fetch(`${url}/metrics`)).text();
    const output = execFileSync(promtool, ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(output).toBe("");
    expect(text).toContain('orchestrator_stage_status{stage="talos",status="give_up"} 1');
  });

  it("is scraped by a real Prometheus, whose query API returns the stage series", async () => {
    const prometheus = requireTool("prometheus");
    const promPort = await freePort();
    const config = join(work, "prometheus.yml");
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: orchestrator\n    static_configs:\n      - targets: ["${url.replace("http://", "")}"]\n`,
    );
    const server = spawn(
      prometheus,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(work, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    server.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    try {
      const query = encodeURIComponent('orchestrator_stage_status{stage="vms",status="green"}');
      const value = await until(
        `Prometheus to scrape the listener (its log: ${log.slice(-300)})`,
        async () => {
          const answer = (await (
            await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${query}`)
          ).json()) as {
            status: string;
            data: { result: { metric: Record<string, string>; value: [number, string] }[] };
          };
          return answer.data.result[0];
        },
      );
      expect(value.metric).toMatchObject({ job: "orchestrator", stage: "vms", status: "green" });
      expect(value.value[1]).toBe("1");
      const up = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=up`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      expect(up.data.result[0]?.value[1]).toBe("1");
    } finally {
      await stopped(server);
    }
  });

  it("renders the status page in headless Chromium as a person reads it", async () => {
    const chromium = requireTool("chromium");
    const dom = execFileSync(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        `--user-data-dir=${join(work, "chromium")}`,
        "--dump-dom",
        `${url}/`,
      ],
      { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
    );
    const seen = dom
      .replace(/<style[\s\S]*?<\/style>/g, "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ");
    expect(seen).toContain("Stage Status Since Fingerprint Attempts Reason Last log");
    expect(seen).toMatch(/vms green \d{4}-\d\d-\d\d/);
    expect(seen).toMatch(/talos give_up/);
    expect(seen).toContain("No fix is waiting for approval.");
    // The stage's output is shown as the text it printed, not as markup.
    expect(seen).toContain("error: &lt;b&gt;etcd&lt;/b&gt; is not up yet");
    expect(dom).not.toContain("<b>etcd</b>");
  });
});

import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Redactor } from "../../core/redaction/index.ts";
import { runDiagnostics } from "./index.ts";

let root: string;
let bin: string;
let logDir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "diagnostics-runner-"));
  bin = join(root, "bin");
  logDir = join(root, "ai", "logs", "diagnostics");
  await mkdir(bin);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fake CLI first on PATH: a small shell script, as the real tool would be an executable. */
async function fakeTool(name: string, script: string): Promise<void> {
  const file = join(bin, name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
}

function env(): NodeJS.ProcessEnv {
  return { PATH: `${bin}:/usr/bin:/bin`, HOME: root };
}

function options(extra: Partial<Parameters<typeof runDiagnostics>[1]> = {}) {
  return {
    stage: "talos",
    allowedPrefixes: ["talosctl get", "talosctl dmesg", "kubectl get", "kubectl logs", "cilium status"],
    cwd: root,
    env: env(),
    logDir,
    redactor: new Redactor(),
    ...extra,
  };
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A zombie waiting for a parent that never reaps it is gone too.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.split(") ")[1]?.startsWith("Z") ?? false;
}

describe("runDiagnostics", () => {
  it("runs an allowed command with exactly its argv and saves the output under ai/logs/diagnostics", async () => {
    await fakeTool(
      "talosctl",
      `for a in "$@"; do printf '<%s>' "$a"; done; echo
echo 'NODE        NAMESPACE   TYPE     ID           VERSION   HOSTNAME'
echo '10.0.0.11   cluster     Member   talos-cp-1   1         talos-cp-1'`,
    );
    const [result] = await runDiagnostics(
      [{ command: "talosctl -n 10.0.0.11 get members -o 'json path'", why: "are the members up?" }],
      options({ now: () => new Date(Date.UTC(2025, 0, 15, 10, 23, 45)) }),
    );
    expect(result).toMatchObject({
      verdict: "ran",
      exitCode: 0,
      truncated: false,
      why: "are the members up?",
    });
    expect(result?.output).toContain("<-n><10.0.0.11><get><members><-o><json path>");
    expect(result?.logFile).toBe(join(logDir, "talos_20250115-102345_1.txt"));
    const saved = await readFile(result?.logFile ?? "", "utf8");
    expect(saved).toContain("# command: talosctl -n 10.0.0.11 get members -o 'json path'");
    expect(saved).toContain("# why: are the members up?");
    expect(saved).toContain("# verdict: ran (exit 0)");
    expect(saved).toContain("10.0.0.11   cluster     Member   talos-cp-1");
  });

  it("records refused commands with their reason and never runs them", async () => {
    const marker = join(root, "ran");
    await fakeTool("kubectl", `touch ${marker}`);
    await fakeTool("talosctl", `touch ${marker}`);
    const results = await runDiagnostics(
      [
        { command: "kubectl delete ns flux-system", why: "start over" },
        { command: "talosctl get members; rm -rf /" },
        { command: "kubectl get secret -n network cloudflared" },
        { command: "kubectl describe node talos-cp-1" },
      ],
      options(),
    );
    expect(results.map((r) => [r.verdict, r.reason])).toEqual([
      ["refused", "kubectl delete is not read-only"],
      ["refused", "command separators (;) are not allowed: send one command per diagnostic"],
      ["refused", "reading Kubernetes Secrets is never allowed"],
      [
        "refused",
        `"kubectl describe" does not match this stage's diagnostics: talosctl get, talosctl dmesg, kubectl get, kubectl logs, cilium status`,
      ],
    ]);
    expect(existsSync(marker)).toBe(false);
    const saved = await readFile(results[0]?.logFile ?? "", "utf8");
    expect(saved).toContain("# verdict: refused: kubectl delete is not read-only");
    expect(await readdir(logDir)).toHaveLength(4);
  });

  it("caps a command that prints 10 MB, keeping its head and tail", async () => {
    await fakeTool(
      "kubectl",
      `echo FIRST-LINE
yes 'I0115 10:23:46.000001       1 shared_informer.go:320] Caches are synced' | head -c 10485760
echo
echo LAST-LINE`,
    );
    const [result] = await runDiagnostics([{ command: "kubectl logs deploy/flood" }], options());
    expect(result?.verdict).toBe("ran");
    expect(result?.truncated).toBe(true);
    expect(result?.outputBytes).toBe(11 + 10_485_760 + 1 + 10);
    const output = result?.output ?? "";
    expect(output.startsWith("FIRST-LINE\n")).toBe(true);
    expect(output.endsWith("LAST-LINE\n")).toBe(true);
    expect(output).toMatch(/\[\.\.\. \d+ bytes cut \.\.\.\]/);
    expect(Buffer.byteLength(output)).toBeLessThan(16_384 + 100);
    const saved = await readFile(result?.logFile ?? "", "utf8");
    expect(Buffer.byteLength(saved)).toBeLessThan(16_384 + 1000);
  });

  it("kills a command that never ends at the timeout, with the children it started", async () => {
    const pidFile = join(root, "grandchild.pid");
    await fakeTool(
      "talosctl",
      `sleep 1000 &
echo $! > ${pidFile}
echo 'waiting for etcd'
sleep 1000`,
    );
    const [result] = await runDiagnostics(
      [{ command: "talosctl -n 10.0.0.11 dmesg" }],
      options({ timeoutMs: 500, killGraceMs: 200 }),
    );
    expect(result?.verdict).toBe("timed_out");
    expect(result?.reason).toBe("did not finish within 500 ms; it and everything it started were killed");
    expect(result?.output).toContain("waiting for etcd");
    const grandchild = Number((await readFile(pidFile, "utf8")).trim());
    await expect.poll(() => processGone(grandchild), { timeout: 5000 }).toBe(true);
  });

  it("ends the children a finished command left running in the background", async () => {
    const pidFile = join(root, "leftover.pid");
    await fakeTool("kubectl", `sleep 1000 > /dev/null 2>&1 &\necho $! > ${pidFile}\necho done`);
    const [result] = await runDiagnostics([{ command: "kubectl get nodes" }], options());
    expect(result).toMatchObject({ verdict: "ran", exitCode: 0 });
    const leftover = Number((await readFile(pidFile, "utf8")).trim());
    await expect.poll(() => processGone(leftover), { timeout: 5000 }).toBe(true);
  });

  it("redacts seeded secrets in the result and in the saved file", async () => {
    const keyData =
      "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSU5NSEtQMGpsRDJDUEtScFJyOVVjT29OUFo5UzdPcWxtb25oSFMyMTduVE5vQW9HQ0NxR1NNNDkK";
    const pveSecret = "4f9c2a7e-1b3d-4c5e-8f6a-9b0c1d2e3f4a";
    const envSecret = "tunnel-secret-from-the-environment-0042";
    await fakeTool(
      "kubectl",
      `echo "    client-key-data: ${keyData}"
echo "calling with Authorization: PVEAPIToken=root@pam!orchestrator=${pveSecret}" >&2
echo "env says ${envSecret}"
echo "node talos-cp-1 Ready"`,
    );
    const redactor = new Redactor({ knownSecrets: [envSecret] });
    const [result] = await runDiagnostics([{ command: "kubectl get nodes" }], options({ redactor }));
    const saved = await readFile(result?.logFile ?? "", "utf8");
    for (const text of [result?.output ?? "", saved]) {
      expect(text).not.toContain(keyData);
      expect(text).not.toContain(pveSecret);
      expect(text).not.toContain(envSecret);
      expect(text).toContain("client-key-data: [REDACTED:kubeconfig-key#1]");
      expect(text).toContain("PVEAPIToken=root@pam!orchestrator=[REDACTED:pve-token#1]");
      expect(text).toContain("node talos-cp-1 Ready");
    }
  });

  it("reports a tool that is not installed as failed to start", async () => {
    const [result] = await runDiagnostics([{ command: "cilium status" }], options());
    expect(result).toMatchObject({ verdict: "failed_to_start", reason: "cilium was not found on PATH" });
  });

  it("reports a non-zero exit as ran, with the tool's own error text", async () => {
    await fakeTool(
      "talosctl",
      `echo 'error getting members: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.11:50000: i/o timeout"' >&2
exit 1`,
    );
    const [result] = await runDiagnostics([{ command: "talosctl -n 10.0.0.11 get members" }], options());
    expect(result).toMatchObject({ verdict: "ran", exitCode: 1 });
    expect(result?.output).toContain("dial tcp 10.0.0.11:50000: i/o timeout");
  });

  it("gives each diagnostic of a batch its own numbered log file, and never overwrites an earlier batch", async () => {
    await fakeTool("kubectl", "echo ok");
    const now = () => new Date(Date.UTC(2025, 0, 15, 10, 23, 45));
    const first = await runDiagnostics(
      [{ command: "kubectl get nodes" }, { command: "kubectl get pods -A" }],
      options({ now }),
    );
    const second = await runDiagnostics([{ command: "kubectl get nodes" }], options({ now }));
    const files = [...first, ...second].map((r) => r.logFile);
    expect(new Set(files).size).toBe(3);
    expect(files[0]).toMatch(/talos_20250115-102345_1\.txt$/);
    expect(files[1]).toMatch(/talos_20250115-102345_2\.txt$/);
  });
});

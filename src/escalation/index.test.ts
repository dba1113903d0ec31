import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type FakeLlmServer,
  fakeReply,
  type ScriptItem,
  startFakeLlmServer,
} from "../../test/helpers/fake-llm-server.ts";
import { makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { gatherCaseContext } from "../adapters/case-context/index.ts";
import { runDiagnostics as runRealDiagnostics } from "../adapters/diagnostics-runner/index.ts";
import { git as gitIn } from "../adapters/git/index.ts";
import { createLlmClient } from "../adapters/llm/index.ts";
import type { CaseDiagnostic, CaseFileInput } from "../core/case-file/index.ts";
import type { DiagnosticRequest } from "../core/escalation/index.ts";
import { Redactor } from "../core/redaction/index.ts";
import { caseDirFor, escalateOnce, newCaseId, writeCaseFileOnly } from "./index.ts";

// Seeded secrets, shaped like the real thing and valid nowhere. Each sits somewhere a case file draws from.
const PVE_SECRET = "4f9c2a7e-1b3d-4c5e-8f6a-9b0c1d2e3f4a"; // in a repo file the stage names
const OPENAI_KEY = "sk-proj-E_rM9l0UHNGQxCWP0D6BBHdVeIQpipqsS95Y5H31ahNOb6cb5QfKxwQ0HFlNb5fM36QrNG2N4L5Gwi"; // in the log
const BOOTSTRAP_TOKEN = "4bm3j1.x8fa0kwcd0rsgd2l"; // in a secret file, never read
const CLIENT_KEY =
  "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSU5NSEtQMGpsRDJDUEtScFJyOVVjT29OUFo5UzdPcWxtb25oSFMyMTduVE5vQW9HQ0NxR1NNNDkKLS0tLS1FTkQgRUMgUFJJVkFURSBLRVktLS0tLQo="; // in diagnostic output
const SEEDED = [PVE_SECRET, OPENAI_KEY, BOOTSTRAP_TOKEN, CLIENT_KEY];

// Proxmox's answer when the storage is missing (bpg/terraform-provider-proxmox#1039), with the token in the trace.
const LOG_TAIL = [
  "+ curl -fsS -H 'Authorization: PVEAPIToken=root@pam!orchestrator=$PVE_SECRET' https://pve.lan:8006/api2/json/nodes/pve/qemu",
  `debug: using OPENAI_API_KEY=${OPENAI_KEY} for notes`,
  "creating VM 401 (home-cp1) on node pve",
  "error: 500 storage 'local-lvm' does not exist",
  "exit status 1",
].join("\n");

const diagnosticsAnswer = {
  action: "diagnostics",
  summary: "List the storages on the node",
  hypothesis: "The node has no storage named local-lvm; ZFS installs call it local-zfs",
  commands: [
    { command: "pvesh get /nodes/pve/storage", why: "which storages exist" },
    { command: "kubectl get secret -A", why: "check credentials" },
  ],
  patch: null,
  expected_effect: null,
  reason: null,
};
const PATCH = [
  "--- a/config/clusters/home.yaml",
  "+++ b/config/clusters/home.yaml",
  "@@ -1,4 +1,4 @@",
  " proxmox:",
  "   node: pve",
  "-  storage: local-lvm",
  "+  storage: local-zfs",
  `   token_secret: ${PVE_SECRET}`,
  "",
].join("\n");
const patchAnswer = {
  action: "patch",
  summary: "Use the storage that exists on the node",
  hypothesis: "local-lvm does not exist; the node has local-zfs",
  expected_effect: "VM 401 is created",
  patch: PATCH,
};

let repo: string;
let server: FakeLlmServer | undefined;

function _write(path: string, content: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), content);
}

beforeEach(() => {
  repo = makeHomelabRepo(
    {
      "config/clusters/home.yaml": `proxmox:\n  node: pve\n  storage: local-lvm\n  token_secret: ${PVE_SECRET}\n`,
      "infrastructure/proxmox/create-vms.sh": "#!/bin/sh\nset -eu\n",
      "talos/talsecret.sops.yaml": `secrets:\n  bootstraptoken: ${BOOTSTRAP_TOKEN}\n`,
    },
    { message: "init" },
  );
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(repo, { recursive: true, force: true });
});

async function caseInputFor(redactorFiles: { diagnostics?: CaseDiagnostic[] } = {}): Promise<CaseFileInput> {
  const context = await gatherCaseContext({
    worktree: repo,
    worktreeGit: (args, opts) => gitIn(args, { ...opts, cwd: repo }),
    stageSpec: {
      files: ["config/clusters/*.yaml", "infrastructure/proxmox/**", "talos/**"],
      memo_sections: [],
    },
    secretGlobs: [],
    memoText: undefined,
    logTail: LOG_TAIL,
  });
  return {
    stage: "vms",
    goal: "Create and start the Talos VMs on Proxmox",
    command: "./infrastructure/proxmox/create-vms.sh",
    caseId: "20261125-170200-3f9a1c",
    version: 1,
    exitCode: 1,
    criteria: [],
    fingerprint: {
      template: "aaaa",
      exact: "bbbb",
      lines: ["error: 500 storage 'local-lvm' does not exist"],
    },
    attemptHistory: [],
    logTail: LOG_TAIL,
    files: context.files,
    skippedFiles: context.skipped,
    memoSections: context.memoSections,
    earlierPatches: [],
    diagnostics: redactorFiles.diagnostics ?? [],
    safety: {
      protectedPaths: ["ai/master_memo.md"],
      secretGlobs: [],
      maxFiles: 5,
      maxChangedLines: 80,
      allowedDiagnostics: ["pvesh get"],
    },
  };
}

async function setup(script: ScriptItem[]) {
  server = await startFakeLlmServer(script);
  const redactor = new Redactor();
  const llm = createLlmClient({
    baseURL: server.baseURL,
    apiKey: "test-key",
    model: "test-model",
    api: "chat",
    deadlineMs: 20_000,
    redactor,
    sleep: async () => {},
  });
  return { server, redactor, llm };
}

// Stands in for the diagnostics runner: one command ran (and printed a key), one was refused.
async function runDiagnostics(commands: DiagnosticRequest[]): Promise<CaseDiagnostic[]> {
  return commands.map(
    (command): CaseDiagnostic =>
      command.command.startsWith("pvesh")
        ? {
            command: command.command,
            why: command.why,
            verdict: "ran",
            exitCode: 0,
            output: `local-zfs  zfspool  active\nlocal  dir  active\nclient-key-data: ${CLIENT_KEY}\n`,
          }
        : {
            command: command.command,
            why: command.why,
            verdict: "refused",
            reason: "reading Kubernetes Secrets is never allowed",
          },
  );
}

function userMessageOf(fake: FakeLlmServer, index: number): string {
  const body = fake.requests[index]?.json as { messages: { role: string; content: string }[] } | undefined;
  return body?.messages.find((message) => message.role === "user")?.content ?? "";
}

describe("escalateOnce", () => {
  it("goes diagnostics, case v2, patch in exactly the scripted calls, recording everything", async () => {
    const { server, redactor, llm } = await setup([
      fakeReply.answer(diagnosticsAnswer),
      fakeReply.answer(patchAnswer),
    ]);
    const caseDir = caseDirFor(repo, "vms", "20261125-170200-3f9a1c");
    const budget = 3;

    const first = await escalateOnce({
      llm,
      caseInput: await caseInputFor(),
      remainingRequests: budget,
      caseDir,
      version: 1,
      redactor,
      runDiagnostics,
    });
    expect(first).toMatchObject({ kind: "diagnostics", requests: 1 });
    if (first.kind !== "diagnostics") {
      throw new Error("expected diagnostics");
    }
    expect(first.results.map((result) => result.verdict)).toEqual(["ran", "refused"]);

    const second = await escalateOnce({
      llm,
      caseInput: await caseInputFor({ diagnostics: first.results }),
      remainingRequests: budget - first.requests,
      caseDir,
      version: 2,
      redactor,
      runDiagnostics,
    });
    expect(second).toMatchObject({ kind: "patch", requests: 1, answer: { summary: patchAnswer.summary } });
    expect(server.requests).toHaveLength(2);

    expect(readdirSync(caseDir).sort()).toEqual([
      "case_v1.md",
      "case_v2.md",
      "diagnostics_1.txt",
      "patch_2.diff",
      "response_1.json",
      "response_2.json",
    ]);
    // The case files on disk are exactly what the server received.
    expect(userMessageOf(server, 0)).toBe(readFileSync(join(caseDir, "case_v1.md"), "utf8"));
    expect(userMessageOf(server, 1)).toBe(readFileSync(join(caseDir, "case_v2.md"), "utf8"));
    const caseV2 = readFileSync(join(caseDir, "case_v2.md"), "utf8");
    expect(caseV2).toContain("local-zfs  zfspool  active");
    expect(caseV2).toContain("Refused, not run: reading Kubernetes Secrets is never allowed");
    expect(readFileSync(join(caseDir, "diagnostics_1.txt"), "utf8")).toContain(
      "# refused: reading Kubernetes Secrets",
    );
    const response = JSON.parse(readFileSync(join(caseDir, "response_2.json"), "utf8"));
    expect(response).toMatchObject({
      ok: true,
      requests: 1,
      usage: { totalTokens: 1500 },
      answer: { action: "patch" },
    });
    // The patch is recorded as the model sent it: the guard, not this step, judges it.
    expect(readFileSync(join(caseDir, "patch_2.diff"), "utf8")).toBe(
      second.kind === "patch" ? second.diff : "",
    );
  });

  it("never lets a seeded secret from repo files, logs or diagnostic output reach the server", async () => {
    const { server, redactor, llm } = await setup([
      fakeReply.answer(diagnosticsAnswer),
      fakeReply.text("not JSON at all"),
      fakeReply.answer(giveUpWith("needs a human")),
    ]);
    const caseDir = caseDirFor(repo, "vms", newCaseId());
    const first = await escalateOnce({
      llm,
      caseInput: await caseInputFor(),
      remainingRequests: 3,
      caseDir,
      version: 1,
      redactor,
      runDiagnostics,
    });
    if (first.kind !== "diagnostics") {
      throw new Error("expected diagnostics");
    }
    await escalateOnce({
      llm,
      caseInput: await caseInputFor({ diagnostics: first.results }),
      remainingRequests: 2,
      caseDir,
      version: 2,
      redactor,
      runDiagnostics,
    });
    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) {
      for (const secret of SEEDED) {
        expect(request.body.includes(Buffer.from(secret))).toBe(false);
      }
    }
    // ...nor any file written under the case folder.
    for (const name of readdirSync(caseDir)) {
      const text = readFileSync(join(caseDir, name), "utf8");
      for (const secret of SEEDED) {
        expect(text.includes(secret)).toBe(false);
      }
    }
    expect(userMessageOf(server, 0)).toContain("[REDACTED:");
    expect(userMessageOf(server, 0)).toContain("`talos/talsecret.sops.yaml`: secret");
  });

  it("returns give_up with the model's reason", async () => {
    const { llm, redactor } = await setup([fakeReply.answer(giveUpWith("grant VM.Allocate to the token"))]);
    const step = await escalateOnce({
      llm,
      caseInput: await caseInputFor(),
      remainingRequests: 1,
      caseDir: caseDirFor(repo, "vms", "c1"),
      version: 1,
      redactor,
      runDiagnostics,
    });
    expect(step).toMatchObject({ kind: "give_up", reason: "grant VM.Allocate to the token", requests: 1 });
  });

  it("fails, counting the requests, when the server keeps failing, and records why", async () => {
    const { llm, redactor, server } = await setup([
      fakeReply.status(500),
      fakeReply.status(503),
      fakeReply.status(500),
    ]);
    const caseDir = caseDirFor(repo, "vms", "c2");
    const step = await escalateOnce({
      llm,
      caseInput: await caseInputFor(),
      remainingRequests: 2,
      caseDir,
      version: 1,
      redactor,
      runDiagnostics,
    });
    expect(step).toMatchObject({ kind: "failed", requests: 2 });
    expect(server.requests).toHaveLength(2);
    const response = JSON.parse(readFileSync(join(caseDir, "response_1.json"), "utf8"));
    expect(response).toMatchObject({ ok: false, requests: 2, answer: null });
    expect(response.reason).toContain("503");
    expect(existsSync(join(caseDir, "patch_1.diff"))).toBe(false);
  });
  it("runs the requested diagnostics through the real runner and keeps their secrets from the next request", async () => {
    // A stand-in talosctl first on PATH; its output carries a bootstrap-token-style secret.
    const bin = join(repo, ".test-bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "talosctl"),
      `#!/bin/sh\nprintf 'Client:\\n\\tTag:         v1.12.0\\nServer:\\n\\tNODE:        10.0.0.11\\n\\tTag:         v1.11.5\\nclient-key-data: ${CLIENT_KEY}\\n'\n`,
    );
    chmodSync(join(bin, "talosctl"), 0o755);
    const { server, redactor, llm } = await setup([
      fakeReply.answer({
        action: "diagnostics",
        summary: "Compare versions",
        hypothesis: "the ISO is older than talosctl",
        commands: [
          { command: "talosctl version -n 10.0.0.11", why: "server version" },
          { command: "talosctl get machineconfig -n 10.0.0.11", why: "see the config" },
        ],
      }),
      fakeReply.answer(giveUpWith("boot the v1.12 ISO")),
    ]);
    const caseDir = caseDirFor(repo, "talos", "c4");
    const bound = (commands: DiagnosticRequest[]) =>
      runRealDiagnostics(commands, {
        stage: "talos",
        allowedPrefixes: ["talosctl version", "talosctl get"],
        cwd: repo,
        env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` },
        logDir: join(repo, "ai", "logs", "diagnostics"),
        redactor,
      });
    const first = await escalateOnce({
      llm,
      caseInput: await caseInputFor(),
      remainingRequests: 3,
      caseDir,
      version: 1,
      redactor,
      runDiagnostics: bound,
    });
    if (first.kind !== "diagnostics") {
      throw new Error(`expected diagnostics, got ${first.kind}`);
    }
    expect(first.results.map((result) => result.verdict)).toEqual(["ran", "refused"]);
    const second = await escalateOnce({
      llm,
      caseInput: await caseInputFor({ diagnostics: first.results }),
      remainingRequests: 2,
      caseDir,
      version: 2,
      redactor,
      runDiagnostics: bound,
    });
    expect(second).toMatchObject({ kind: "give_up", reason: "boot the v1.12 ISO" });
    const caseV2 = userMessageOf(server, 1);
    expect(caseV2).toContain("Tag:         v1.11.5");
    expect(caseV2).toContain("machineconfig");
    for (const request of server.requests) {
      expect(request.body.includes(Buffer.from(CLIENT_KEY))).toBe(false);
    }
  });
});

describe("writeCaseFileOnly", () => {
  it("writes the redacted case file for a human when there is no API key", async () => {
    const caseDir = caseDirFor(repo, "vms", "c3");
    const written = await writeCaseFileOnly({
      caseInput: await caseInputFor(),
      caseDir,
      version: 1,
      redactor: new Redactor(),
    });
    expect(written.path).toBe(join(caseDir, "case_v1.md"));
    const text = readFileSync(written.path, "utf8");
    expect(text).toBe(written.markdown);
    expect(text).toContain("# Case 20261125-170200-3f9a1c v1: stage `vms` is failing");
    for (const secret of SEEDED) {
      expect(text.includes(secret)).toBe(false);
    }
  });
});

function giveUpWith(reason: string) {
  return { action: "give_up", reason };
}

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFakeCodex } from "../../../test/helpers/fake-codex.ts";
import { Redactor } from "../../core/redaction/index.ts";
import { createCodexExecutor } from "./codex.ts";
import { cleanedUpExecutorKits } from "./executor-test-kit.fixture.ts";

const FIXED_CLUSTER =
  "proxmox:\n  node: pve\n  storage: local-zfs\n  bridge: vmbr0\ntalos:\n  version: v1.9.5\n  installDisk: /dev/sda\n";

const kit = cleanedUpExecutorKits();

function codexOn(fakeDir: string) {
  return createCodexExecutor({
    env: { ...process.env, PATH: `${fakeDir}:${process.env["PATH"]}` },
    redactor: new Redactor({ knownSecrets: ["6f2c1a3e-8d1b-4c5e-9a7f-0b1c2d3e4f50"] }),
    briefTokens: 3000,
  });
}

describe("the codex executor", () => {
  it("runs codex exec sandboxed in the worktree and commits its change with Source: codex", async () => {
    const { repo, sideBranch, git, runFix } = await kit();
    const fake = writeFakeCodex({
      edits: { "config/clusters/prox-n100.yaml": FIXED_CLUSTER },
      message: "Switched proxmox.storage to local-zfs, the storage the node has.",
    });
    const tipBefore = await sideBranch.headCommit();

    const result = await runFix(codexOn(fake.dir));

    expect(result).toMatchObject({
      kind: "patched",
      source: "codex",
      files: ["config/clusters/prox-n100.yaml"],
    });
    const [args] = fake.runs();
    expect(args?.slice(0, 1)).toEqual(["exec"]);
    expect(args).toEqual(
      expect.arrayContaining([
        "--json",
        "-s",
        "workspace-write",
        "-C",
        sideBranch.worktree,
        'approval_policy="never"',
      ]),
    );
    expect(args).toContain("sandbox_workspace_write.network_access=false");
    const prompt = args?.at(-1) ?? "";
    expect(args?.at(-2)).toBe("--");
    expect(prompt).toContain("Keep changes minimal.");
    expect(prompt).toContain('storage "local-lvm" does not exist on node pve');
    expect(prompt).toContain("storage: local-lvm");
    expect(prompt).not.toContain("How to answer");
    expect(git(["log", "-1", "--format=%(trailers:key=Source,valueonly)", "ai/orchestrator-stage1"])).toBe(
      "codex",
    );
    expect(git(["rev-parse", "ai/orchestrator-stage1~1"])).toBe(tipBefore);
    expect(git(["status", "--porcelain"], sideBranch.worktree)).toBe("");
    const logs = readdirSync(join(repo.root, "ai", "logs", "vms"));
    const events = logs.find((name) => /^codex_\d{8}-\d{6}\.jsonl$/.test(name));
    expect(events).toBeDefined();
    expect(readFileSync(join(repo.root, "ai", "logs", "vms", events ?? ""), "utf8")).toContain(
      '"turn.completed"',
    );
    if (result.kind === "patched") {
      expect(result.summary).toBe("Switched proxmox.storage to local-zfs, the storage the node has.");
    }
  });

  it("refuses and undoes a codex change to a protected file, and records the refusal", async () => {
    const { repo, sideBranch, git, runFix } = await kit();
    const fake = writeFakeCodex({ edits: { "ai/context_map.yaml": "version: 1\nstages: {}\n" } });
    const tipBefore = await sideBranch.headCommit();

    const result = await runFix(codexOn(fake.dir));

    expect(result.kind).toBe("refused");
    if (result.kind === "refused") {
      expect(result.reasons.join(" ")).toContain("ai/context_map.yaml");
    }
    expect(await sideBranch.headCommit()).toBe(tipBefore);
    expect(git(["status", "--porcelain"], sideBranch.worktree)).toBe("");
    expect(readFileSync(join(sideBranch.worktree, "ai/context_map.yaml"), "utf8")).toContain(
      "stages:\n  talos:",
    );
    const records = readdirSync(join(repo.root, "ai", "patches", "vms"));
    expect(records.some((name) => name.endsWith("_codex_refused.json"))).toBe(true);
  });

  it("stops a codex that hangs at its time limit, children included, and leaves the worktree clean", async () => {
    const { sideBranch, request, git, runFix } = await kit();
    const fake = writeFakeCodex({ hang: true });
    const tipBefore = await sideBranch.headCommit();

    const result = await runFix(codexOn(fake.dir), request({ timeoutMs: 1000 }));

    expect(result.kind).toBe("failed");
    if (result.kind === "failed") {
      expect(result.reason).toMatch(/^codex: codex timed out after 1s and was stopped with its children/);
    }
    expect(await sideBranch.headCommit()).toBe(tipBefore);
    expect(git(["status", "--porcelain"], sideBranch.worktree)).toBe("");
  });

  it("keeps files the stage left in the worktree out of the AI commit", async () => {
    const { repo, sideBranch, git, runFix } = await kit();
    writeFileSync(join(sideBranch.worktree, "talos", "rendered-cp1.yaml"), "rendered by the stage\n");
    const fake = writeFakeCodex({ edits: { "config/clusters/prox-n100.yaml": FIXED_CLUSTER } });

    const result = await runFix(codexOn(fake.dir));

    expect(result).toMatchObject({ kind: "patched", files: ["config/clusters/prox-n100.yaml"] });
    expect(git(["show", "--name-only", "--format=", "ai/orchestrator-stage1"])).toBe(
      "config/clusters/prox-n100.yaml",
    );
    const leftovers = readdirSync(join(repo.root, "ai", "logs", "vms")).find((name) =>
      name.startsWith("stage-leftovers_"),
    );
    expect(readFileSync(join(repo.root, "ai", "logs", "vms", leftovers ?? ""), "utf8")).toContain(
      "rendered-cp1.yaml",
    );
    expect(existsSync(join(sideBranch.worktree, "talos", "rendered-cp1.yaml"))).toBe(false);
  });

  it("reports no_change when codex edits nothing", async () => {
    const { runFix } = await kit();
    const fake = writeFakeCodex({ message: "The storage needs a human: no change." });
    const result = await runFix(codexOn(fake.dir));
    expect(result).toEqual({ kind: "no_change", summary: "codex: The storage needs a human: no change." });
  });

  it("is available only when codex is on PATH", async () => {
    const fake = writeFakeCodex({});
    expect(await codexOn(fake.dir).available()).toBe(true);
    const missing = createCodexExecutor({
      env: { PATH: "/nonexistent" },
      redactor: new Redactor(),
      briefTokens: 1000,
    });
    expect(await missing.available()).toBe(false);
  });
});

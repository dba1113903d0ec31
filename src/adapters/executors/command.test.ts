import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Redactor } from "../../core/redaction/index.ts";
import { UserError } from "../../errors/index.ts";
import { userCheckoutState } from "../side-branch/homelab-repo.fixture.ts";
import { commandArgv, createCommandExecutor } from "./command.ts";
import { cleanedUpExecutorKits } from "./executor-test-kit.fixture.ts";

const kit = cleanedUpExecutorKits();

function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-"));
  const path = join(dir, "fix agent.sh");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** The command executor as configured for these tests: the given template, this process's env. */
function agentExecutor(template: string) {
  return createCommandExecutor({ template, env: process.env, redactor: new Redactor(), briefTokens: 2000 });
}

describe("the command executor", () => {
  it("splits the template into argv before substituting, so a path with spaces stays one argument", () => {
    expect(
      commandArgv("aider --yes-always --message-file {brief_file} {files}", {
        briefFile: "/repo/ai/logs/vms/brief 1.md",
        worktree: "/repo/ai/worktree",
        stage: "vms",
        files: ["config/clusters/a.yaml", "config/clusters/b.yaml"],
      }),
    ).toEqual([
      "aider",
      "--yes-always",
      "--message-file",
      "/repo/ai/logs/vms/brief 1.md",
      "config/clusters/a.yaml",
      "config/clusters/b.yaml",
    ]);
    expect(
      commandArgv("claude -p 'Read {brief_file} and fix stage {stage} in {worktree}'", {
        briefFile: "/b.md",
        worktree: "/w",
        stage: "talos",
        files: [],
      }),
    ).toEqual(["claude", "-p", "Read /b.md and fix stage talos in /w"]);
  });

  it("refuses a template that needs a shell", () => {
    const values = { briefFile: "/b.md", worktree: "/w", stage: "vms", files: [] };
    expect(() => commandArgv("my-agent {brief_file} | tee out.log", values)).toThrow(UserError);
    expect(() => commandArgv('my-agent "$(cat {brief_file})"', values)).toThrow(
      /EXECUTOR_COMMAND .* cannot be run without a shell: command substitution/,
    );
  });

  it("runs a script agent in the worktree with the brief file and commits what it changed", async () => {
    const made = await kit();
    const agent = script(
      [
        'test "$PWD" = "$2" || { echo "wrong folder $PWD"; exit 3; }',
        'grep -q "does not exist on node pve" "$1" || { echo "no brief"; exit 4; }',
        "sed -i 's/storage: local-lvm/storage: local-zfs/' config/clusters/prox-n100.yaml",
        'echo "read config/clusters/prox-n100.yaml"',
        'echo "set proxmox.storage to local-zfs for stage $3"',
      ].join("\n"),
    );
    const executor = agentExecutor(`'${agent}' {brief_file} {worktree} {stage}`);
    expect(await executor.available()).toBe(true);
    const result = await made.runFix(executor, made.request());
    expect(result).toMatchObject({
      kind: "patched",
      source: "command",
      summary: "set proxmox.storage to local-zfs for stage vms",
      files: ["config/clusters/prox-n100.yaml"],
    });
    expect(made.reports).toEqual([
      {
        outcome: "changed",
        summary: "set proxmox.storage to local-zfs for stage vms",
        filesOpened: ["config/clusters/prox-n100.yaml"],
      },
    ]);
    expect(made.git(["show", "ai/orchestrator-stage1:config/clusters/prox-n100.yaml"])).toContain(
      "storage: local-zfs",
    );
  });

  it("reports a failing agent as failed with its last lines, and undoes what it did", async () => {
    const made = await kit();
    const agent = script(
      "echo half-done > config/clusters/prox-n100.yaml\necho 'model overloaded' >&2\nexit 1",
    );
    const executor = agentExecutor(`'${agent}'`);
    const result = await made.runFix(executor);
    expect(result.kind).toBe("failed");
    expect(result.kind === "failed" && result.reason).toContain("exit 1: model overloaded");
    expect(readFileSync(join(made.sideBranch.worktree, "config/clusters/prox-n100.yaml"), "utf8")).toContain(
      "storage: local-lvm",
    );
  });

  it("takes back an agent's own commit as a change and judges it like any other", async () => {
    const made = await kit();
    const agent = script(
      [
        "echo 'version: 2' > ai/context_map.yaml",
        "git -c user.name=agent -c user.email=agent@example.invalid commit -qam 'agent commit'",
      ].join("\n"),
    );
    const tip = await made.sideBranch.headCommit();
    const executor = agentExecutor(`'${agent}'`);
    const result = await made.runFix(executor);
    expect(result.kind).toBe("refused");
    expect(await made.sideBranch.headCommit()).toBe(tip);
    expect(made.git(["status", "--porcelain"], made.sideBranch.worktree)).toBe("");
  });

  it("cannot make the tool act on the user's repository by deleting the worktree's .git", async () => {
    const made = await kit();
    made.repo.write("notes-untracked.txt", "half a thought\n");
    made.repo.write("config/clusters/prox-n100.yaml", "proxmox:\n  node: pve-2\n");
    const before = userCheckoutState(made.repo);
    const mainLog = made.git(["log", "--format=%H", "main"]);
    const agent = script(
      [
        "sed -i 's/storage: local-lvm/storage: local-zfs/' config/clusters/prox-n100.yaml",
        "rm -rf ./.git",
        'echo "fixed it"',
      ].join("\n"),
    );
    await expect(made.runFix(agentExecutor(`'${agent}'`), made.request())).rejects.toThrow(
      /refusing to run git [a-z-]+ in the AI worktree .*: its \.git file is gone/,
    );
    expect(userCheckoutState(made.repo)).toEqual(before);
    expect(made.git(["log", "--format=%H", "main"])).toBe(mainLog);
  });
});

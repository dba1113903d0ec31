import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../test/helpers/homelab-repo.ts";
import { commandWords } from "./command-words.ts";

describe("preflight before a run", () => {
  it("says in one line which files to commit when the context map and the stage's script are not committed, and runs nothing", async () => {
    const root = makeHomelabRepo({ "README.txt": "my lab\n" });
    writeFileSync(join(root, "apply.sh"), "#!/bin/sh\necho applied\n");
    makeHomelabRepo(
      { "ai/context_map.yaml": contextMap("  vms:\n    command: ./apply.sh") },
      { root, commit: false },
    );
    const result = await runInProcess(["all"], root, { env: testEnv() });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      "not committed, so the AI worktree would not have them: ai/context_map.yaml, apply.sh",
    );
    expect(lines[0]).toContain('git add ai/context_map.yaml apply.sh && git commit -m "orchestrator"');
    expect(existsSync(join(root, "ai/logs"))).toBe(false);
  });

  it("stops converge before its first pass the same way", async () => {
    const root = makeHomelabRepo({ "README.txt": "my lab\n" });
    makeHomelabRepo(
      { "ai/context_map.yaml": contextMap('  vms:\n    command: "true"') },
      { root, commit: false },
    );
    const result = await runInProcess(["converge", "--every", "1s"], root, { env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "not committed, so the AI worktree would not have them: ai/context_map.yaml",
    );
  });

  it("names the files init wrote that a .gitignore of *.md and **/*.sh would drop, at init and before the run", async () => {
    const root = makeHomelabRepo({ ".gitignore": "*.md\n**/*.sh\n", "README.txt": "lab\n" });
    const init = await runInProcess(["init"], root, { env: testEnv() });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain(
      'ai/master_memo.md is ignored by .gitignore:1 (*.md), so git would silently drop it: add the line "!ai/master_memo.md" to .gitignore',
    );
    expect(init.stderr).toContain("ai/bootstrap_loop.sh is ignored by .gitignore:2 (**/*.sh)");
    git(root, "add", "-A");
    git(root, "commit", "-qm", "init");
    const run = await runInProcess(["all"], root, { env: testEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("ai/master_memo.md is ignored by .gitignore:1 (*.md)");
    expect(run.stderr).toContain('add the line "!ai/bootstrap_loop.sh" to .gitignore');
  });

  it("refuses a stage whose tool is not on PATH before running it", async () => {
    const root = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: tofu-not-installed apply -auto-approve"),
    });
    const result = await runInProcess(["vms"], root, { env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "stage vms runs tofu-not-installed, which is not on PATH: install it, or change the stage's command",
    );
  });

  it("lets a committed repo with its tools present run", async () => {
    const root = makeHomelabRepo({
      "ai/context_map.yaml": contextMap("  vms:\n    command: ./apply.sh"),
      "apply.sh": "#!/bin/sh\necho applied\n",
    });
    const result = await runInProcess(["vms"], root, { env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
  });
});

describe("commandWords", () => {
  it("finds the programs and repo scripts a command names, not builtins, flags or assignments", () => {
    expect(
      commandWords("cd infra && TF_IN_AUTOMATION=1 tofu apply -auto-approve | tee out.txt; ./scripts/x.sh"),
    ).toEqual([
      { kind: "program", text: "tofu" },
      { kind: "program", text: "tee" },
      { kind: "path", text: "scripts/x.sh" },
    ]);
    expect(commandWords("orchestrator step vms --cluster config/clusters/a.yaml")).toEqual([]);
  });
});

describe("commandWords and quoting", () => {
  it("reads separators inside quotes as text, not as the start of another command", async () => {
    const { commandWords } = await import("./command-words.ts");
    expect(commandWords(`printf '\\033]52;c;ZXZpbA==\\007 | x'; exit 1`)).toEqual([]);
    expect(commandWords(`echo "a; b" && ./apply.sh`)).toEqual([{ kind: "path", text: "apply.sh" }]);
  });
});

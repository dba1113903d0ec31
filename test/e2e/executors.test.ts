import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, stateFile, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

/** Fails like Proxmox does until the cluster file names a storage the node has. */
const VMS_SCRIPT = `#!/usr/bin/env bash
storage=$(sed -n 's/^storage: *//p' config/cluster.yaml)
if [ "$storage" != "local-zfs" ]; then
  echo "proxmox: 500 storage '$storage' does not exist" >&2
  exit 1
fi
echo "proxmox: VM 121 running"
`;

/** A CLI agent stand-in: counts its runs, then edits the cluster file like an agent would. */
const AGENT = `#!/usr/bin/env bash
n=$(( $(cat "$AGENT_RUNS" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$AGENT_RUNS"
test -s "$1" || { echo "no brief file" >&2; exit 2; }
sed -i 's/^storage: .*/storage: local-zfs/' config/cluster.yaml
echo "set the storage to local-zfs, the node's ZFS pool"
`;

function homelab() {
  const tools = mkdtempSync(join(tmpdir(), "agent-"));
  writeFileSync(join(tools, "agent.sh"), AGENT, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      "  vms:\n    command: ./vms.sh\n    files: [config/**]",
      "  executor_retry_threshold: 3\n  api_call_budget: 0",
    ),
    "config/cluster.yaml": "node: pve\nstorage: local-lvm\n",
    "vms.sh": VMS_SCRIPT,
  });
  const env = testEnv({
    EXECUTOR: "command",
    EXECUTOR_COMMAND: `${join(tools, "agent.sh")} {brief_file}`,
    AGENT_RUNS: join(tools, "runs"),
  });
  return { repo, env, runs: () => Number(readFileSync(join(tools, "runs"), "utf8")) };
}

describe("executors in the loop", () => {
  it("commits a safe executor fix on the AI branch and the stage turns green", async () => {
    const { repo, env, runs } = homelab();
    const result = await runCli(["vms"], repo, env);
    expect(result.code).toBe(0);
    expect(runs()).toBe(1);
    const message = git(repo, "log", "-1", "--format=%B", "ai/orchestrator-stage1");
    expect(message).toContain("Source: command");
    expect(message).toContain("Stage: vms");
    expect(readFileSync(join(repo, "config", "cluster.yaml"), "utf8")).toContain("local-lvm");
    const errors = JSON.parse(readFileSync(stateFile(repo, "errors.json"), "utf8")).stages.vms;
    expect(errors.executorRuns).toBe(1);
  });

  it("replays the remembered fix when the same fault comes back: zero executor runs the second time", async () => {
    const { repo, env, runs } = homelab();
    expect((await runCli(["vms"], repo, env)).code).toBe(0);
    expect(runs()).toBe(1);
    const fixes = await runCli(["fixes", "--json"], repo, env);
    expect(JSON.parse(fixes.stdout).fixes).toHaveLength(1);

    // The human merges the AI branch, then the same fault comes back in a later commit of theirs.
    git(repo, "merge", "-q", "--ff-only", "ai/orchestrator-stage1");
    writeFileSync(join(repo, "config", "cluster.yaml"), "node: pve\nstorage: local-lvm\n");
    git(repo, "commit", "-qam", "back to local-lvm");
    const second = await runCli(["vms"], repo, env);
    expect(second.code).toBe(0);
    expect(runs()).toBe(1);
    const message = git(repo, "log", "-1", "--format=%B", "ai/orchestrator-stage1");
    expect(message).toContain("Source: memory");
    // the replay counts as one more success of the same fix, not as a new one
    const memory = JSON.parse((await runCli(["fixes", "--json"], repo, env)).stdout).fixes;
    expect(memory).toHaveLength(1);
    expect(memory[0].successes).toBe(2);
  });

  it("reverts an executor fix that did not help even when the stage writes into its checkout", async () => {
    const tools = mkdtempSync(join(tmpdir(), "agent-"));
    writeFileSync(
      join(tools, "agent.sh"),
      "#!/usr/bin/env bash\necho '# tuned' >> config/cluster.yaml\necho tuned\n",
      {
        mode: 0o755,
      },
    );
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(
        "  vms:\n    command: |\n      date >> notes.txt; echo \"500 storage 'local-lvm' does not exist\" >&2; exit 1\n    files: [config/**]",
        "  executor_retry_threshold: 2\n  api_call_budget: 0",
      ),
      "config/cluster.yaml": "node: pve\nstorage: local-lvm\n",
      "notes.txt": "runs:\n",
    });
    const env = testEnv({ EXECUTOR: "command", EXECUTOR_COMMAND: `${join(tools, "agent.sh")} {brief_file}` });
    const result = await runCli(["vms"], repo, env);
    expect(result.stderr).not.toContain("internal error");
    expect(result.code).toBe(1);
    expect(readJson(stateFile(repo, "stage_status.json")).stages.vms.status).toBe("give_up");
    expect(git(repo, "log", "-1", "--format=%s", "ai/orchestrator-stage1")).toMatch(/^Revert|revert/i);
  });

  it("remembers the human's own fix when they reset a stage that gave up", async () => {
    const { repo } = homelab();
    const env = testEnv();
    expect((await runCli(["vms"], repo, env)).code).toBe(1);
    writeFileSync(join(repo, "config", "cluster.yaml"), "node: pve\nstorage: local-zfs\n");
    git(repo, "commit", "-qam", "use the ZFS pool");
    expect((await runCli(["vms", "--reset"], repo, env)).code).toBe(0);
    const memory = JSON.parse((await runCli(["fixes", "--json"], repo, env)).stdout).fixes;
    expect(memory).toHaveLength(1);
    expect(JSON.stringify(memory[0])).toContain("local-zfs");
    expect(readFileSync(stateFile(repo, "journal.jsonl"), "utf8")).toContain('"type":"human_fix_remembered"');
  });
});

function readJson(path: string) {
  return JSON.parse(readFileSync(path, "utf8"));
}

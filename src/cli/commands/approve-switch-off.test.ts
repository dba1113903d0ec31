import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInProcess, stateFile, testEnv } from "../../../test/helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../../../test/helpers/homelab-repo.ts";

/** The tunnel check: vacuous when ingress is switched off, failing on a bad tunnel secret. */
const INGRESS_SCRIPT = `#!/usr/bin/env bash
mode=$(sed -n 's/^  mode: *//p' config/cluster.yaml)
if [ "$mode" = "none" ]; then echo "ingress: nothing to check"; exit 0; fi
echo "cloudflared: Invalid tunnel secret" >&2
exit 1
`;

/** A CLI agent stand-in that "fixes" the tunnel by switching ingress off. */
const AGENT = `#!/usr/bin/env bash
n=$(( $(cat "$AGENT_RUNS" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$AGENT_RUNS"
sed -i 's/^  mode: .*/  mode: none/' config/cluster.yaml
echo "turn the tunnel off"
`;

const SWITCH_OFF =
  'config/cluster.yaml: ingress.mode goes from "cloudflare-tunnel" to "none": that switches off what a stage delivers or verifies instead of fixing it; only a human switches a component off';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
});

function homelab(approval: string) {
  const tools = mkdtempSync(join(tmpdir(), "agent-"));
  writeFileSync(join(tools, "agent.sh"), AGENT, { mode: 0o755 });
  const repo = makeHomelabRepo({
    "ai/context_map.yaml": contextMap(
      "  ingress:\n    command: ./ingress.sh\n    files: [config/**]",
      `  executor_retry_threshold: 3\n  api_call_budget: 0\n${approval}`,
    ),
    "config/cluster.yaml": "ingress:\n  mode: cloudflare-tunnel\n  tunnelId: 6f1c\n",
    "ingress.sh": INGRESS_SCRIPT,
  });
  folders.push(tools, repo);
  const env = testEnv({
    EXECUTOR: "command",
    EXECUTOR_COMMAND: `${join(tools, "agent.sh")} {brief_file}`,
    AGENT_RUNS: join(tools, "runs"),
  });
  const runs = () =>
    existsSync(join(tools, "runs")) ? Number(readFileSync(join(tools, "runs"), "utf8")) : 0;
  return { repo, runs, cli: (args: string[]) => runInProcess(args, repo, { env }) };
}

const proposals = (repo: string) =>
  existsSync(stateFile(repo, "proposals.json"))
    ? JSON.parse(readFileSync(stateFile(repo, "proposals.json"), "utf8")).proposals
    : [];
const journalText = (repo: string) => readFileSync(stateFile(repo, "journal.jsonl"), "utf8");
const onAiBranch = (repo: string) => git(repo, "show", "ai/orchestrator-stage1:config/cluster.yaml");

describe("a patch that switches off what a stage verifies", () => {
  it("is refused by default, and nothing is proposed", async () => {
    const { repo, runs, cli } = homelab("");
    const result = await cli(["ingress"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("ingress: give_up");
    expect(runs()).toBeGreaterThanOrEqual(1);
    expect(journalText(repo)).toContain(JSON.stringify(SWITCH_OFF).slice(1, -1));
    expect(proposals(repo)).toEqual([]);
    expect(onAiBranch(repo)).toContain("mode: cloudflare-tunnel");
  });

  it("is proposed for a human under the propose setting, with the reason in status, plan and explain; approve runs it", async () => {
    const { repo, cli } = homelab("  approval:\n    executor: propose");
    const first = await cli(["ingress"]);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain("ingress: awaiting_approval — fix ");
    expect(first.stdout).toContain(`only a human may let it run: ${SWITCH_OFF}`);
    expect(proposals(repo)).toMatchObject([
      { id: "ingress-1", status: "awaiting", switchOffs: [SWITCH_OFF] },
    ]);
    // Committed on the AI branch for the human to read, but the stage never ran with it.
    expect(onAiBranch(repo)).toContain("mode: none");
    expect(journalText(repo).match(/"type":"stage_run"/g)).toHaveLength(1);

    expect((await cli(["status"])).stdout).toContain(`only a human may let it run: ${SWITCH_OFF}`);
    expect((await cli(["plan"])).stdout).toMatch(
      /^ingress +await approval +fix [0-9a-f]{10} \(source: command\) was proposed .*it switches off what the stage delivers or verifies/m,
    );
    expect((await cli(["explain", "ingress"])).stdout).toContain(
      `It switches off what the stage delivers or verifies, so only a human may let it run: ${SWITCH_OFF}.`,
    );

    const approved = await cli(["approve", "ingress-1"]);
    expect(approved.stdout).toBe("ingress: green\n");
    expect(approved.code).toBe(0);
    expect(proposals(repo)[0].status).toBe("approved");
  });

  it("is reverted when the human rejects it", async () => {
    const { repo, cli } = homelab("  approval:\n    executor: propose");
    expect((await cli(["ingress"])).code).toBe(1);
    const rejected = await cli(["reject", "ingress-1"]);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(/^rejected ingress-1: reverted [0-9a-f]{10}/);
    expect(onAiBranch(repo)).toContain("mode: cloudflare-tunnel");
    expect(proposals(repo)[0].status).toBe("rejected");
  });
});

import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { stateFile } from "../../../test/helpers/cli.ts";
import { git } from "../../../test/helpers/homelab-repo.ts";
import { homelabWithAgent, removeAll } from "./approve.fixture.ts";

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
afterEach(() => removeAll(folders));

const homelab = (approval: string) =>
  homelabWithAgent({
    stage: "ingress",
    script: INGRESS_SCRIPT,
    agent: AGENT,
    files: { "config/cluster.yaml": "ingress:\n  mode: cloudflare-tunnel\n  tunnelId: 6f1c\n" },
    settings: approval,
    cleanup: folders,
  });

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

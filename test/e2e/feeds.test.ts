import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runInProcess, testEnv } from "../helpers/cli.ts";
import { contextMap, git, makeHomelabRepo } from "../helpers/homelab-repo.ts";

/**
 * A Talos stage stand-in: "applies" the controller patch to the nodes, i.e. copies it to a node
 * state folder outside the repo, as `talosctl apply-config` would put it on the machines.
 */
const TALOS = `#!/usr/bin/env bash
set -euo pipefail
cp talos/patches/controller/metrics.yaml "$NODES/applied.yaml"
echo "applied talos/patches/controller/metrics.yaml to 10.0.0.21"
`;

/** An obs stage stand-in: Prometheus reaches the controller manager only when it binds 0.0.0.0. */
const OBS = `#!/usr/bin/env bash
if ! grep -q 'bind-address: 0.0.0.0' "$NODES/applied.yaml"; then
  echo 'Error: Prometheus targets down: kube-controller-manager (Get "http://10.0.0.21:10257/metrics": connect: connection refused)' >&2
  exit 1
fi
echo "all Prometheus targets up"
`;

/** A CLI agent stand-in that fixes the Talos patch the obs stage needs. */
const AGENT = `#!/usr/bin/env bash
sed -i 's/bind-address: 127.0.0.1/bind-address: 0.0.0.0/' talos/patches/controller/metrics.yaml
echo "bind the controller manager's metrics to 0.0.0.0 so Prometheus can scrape it"
`;

const STAGES = [
  "  talos:",
  "    command: ./talos.sh",
  '    files: ["talos/patches/**"]',
  "    success_criteria:",
  '      - { name: config-applied, command: "test -f $NODES/applied.yaml" }',
  "  obs:",
  "    command: ./obs.sh",
  "    needs: [talos]",
  '    files: ["kubernetes/apps/observability/**", "talos/patches/controller/**"]',
].join("\n");

describe("a fix to a file an earlier stage consumes", () => {
  it("re-runs talos after obs's fix to a Talos patch, and obs turns green", async () => {
    const tools = mkdtempSync(join(tmpdir(), "agent-"));
    const nodes = mkdtempSync(join(tmpdir(), "nodes-"));
    writeFileSync(join(tools, "agent.sh"), AGENT, { mode: 0o755 });
    const repo = makeHomelabRepo({
      "ai/context_map.yaml": contextMap(STAGES, "  executor_retry_threshold: 3\n  api_call_budget: 0"),
      "talos/patches/controller/metrics.yaml":
        "cluster:\n  controllerManager:\n    extraArgs:\n      bind-address: 127.0.0.1\n",
      "talos.sh": TALOS,
      "obs.sh": OBS,
    });
    const env = testEnv({ NODES: nodes, EXECUTOR: "command", EXECUTOR_COMMAND: join(tools, "agent.sh") });

    // talos is green and its check passes: before this, `all` skipped it and the fix never reached the nodes.
    expect((await runInProcess(["talos"], repo, { env })).code).toBe(0);
    const result = await runInProcess(["all"], repo, { env });
    expect(result.stdout).toBe("talos: green\nobs: green\n");
    expect(result.code).toBe(0);
    expect(readFileSync(join(nodes, "applied.yaml"), "utf8")).toContain("bind-address: 0.0.0.0");
    expect(readdirSync(join(repo, "ai", "logs", "talos"))).toHaveLength(2);
    expect(result.stderr).toContain(
      "a fix for obs changed its files (talos/patches/controller/metrics.yaml): running talos again before obs",
    );
    expect(git(repo, "log", "-1", "--format=%B", "ai/orchestrator-stage1")).toContain("Stage: obs");
    const explained = await runInProcess(["explain", "talos"], repo, { env });
    expect(explained.stdout).toContain("by a fix for obs: running it again before obs.");
  });
});
